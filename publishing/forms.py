"""Forms for support staff's actions in the admin."""

from __future__ import annotations

from typing import Any

from django import forms


class SettleTargetForm(forms.Form):
    """How an `unconfirmed` platform turned out, as support found it on the platform."""

    outcome = forms.ChoiceField(
        choices=[("published", "Published: the post is on the platform"), ("failed", "Failed")],
        widget=forms.RadioSelect,
    )
    platform_post_id = forms.CharField(
        max_length=128, required=False, help_text="The post's id on the platform (if published)."
    )
    url = forms.URLField(
        max_length=2048, required=False, assume_scheme="https", help_text="The live post's URL."
    )
    note = forms.CharField(
        max_length=500, required=False, help_text="What you checked (kept on the post)."
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == "published" and not data.get("platform_post_id"):
            self.add_error("platform_post_id", "Give the platform's post id.")
        return data
