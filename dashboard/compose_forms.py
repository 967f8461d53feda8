"""The composer's forms: the post (turned into exactly the publish API's request body, so the
dashboard and the storefront go through one validation) and the AI generation request."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Platform
from content_ai.models import Product
from dashboard.templatetags.dashboard import PLATFORM_LABELS
from publishing.platforms.base import Content, MediaItem

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".webm")
# Per-platform formats the composer offers (the API's options.<platform>.format).
FORMATS: dict[str, list[tuple[str, Any]]] = {
    "instagram": [
        ("", _("Automatic")),
        ("feed", _("Feed")),
        ("reel", _("Reel")),
        ("story", _("Story")),
    ],
    "facebook": [("", _("Automatic")), ("post", _("Post")), ("reel", _("Reel"))],
    "youtube": [("", _("Video")), ("short", _("Short"))],
}
PLATFORM_ORDER = [p for p, _label in Platform.choices]


# The word before a URL that says what it is, in either language the dashboard speaks (the
# Arabic help text tells merchants to write فيديو:).
MEDIA_KINDS = {"image": "image", "video": "video", "صورة": "image", "فيديو": "video"}


def media_items(raw: str) -> list[MediaItem]:
    """One URL a line; ``video:`` (or ``فيديو:``) before a URL, or a video file's suffix,
    makes it a video."""
    items = []
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        kind, _sep, rest = line.partition(":")
        if kind.strip() in MEDIA_KINDS and not rest.startswith("//"):
            items.append(MediaItem(type=MEDIA_KINDS[kind.strip()], url=rest.strip()))
            continue
        path = line.split("?", 1)[0].lower()
        items.append(
            MediaItem(type="video" if path.endswith(VIDEO_SUFFIXES) else "image", url=line)
        )
    return items


class ComposeForm(forms.Form):
    text = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
    )
    media_urls = forms.CharField(
        label=_("Media URLs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text=_(
            "One URL a line. Videos are recognised by .mp4, .mov or .webm, "
            "or write video: before the URL."
        ),
    )
    link = forms.CharField(
        label=_("Link"), required=False, widget=forms.URLInput(attrs={"dir": "ltr"})
    )
    platforms = forms.MultipleChoiceField(
        label=_("Publish to"), required=False, widget=forms.CheckboxSelectMultiple
    )
    when = forms.ChoiceField(
        label=_("When"),
        choices=[("now", _("Publish now")), ("schedule", _("Schedule"))],
        initial="now",
        widget=forms.RadioSelect,
    )
    schedule_at = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    # Sent as the Idempotency-Key: a double click or a resubmitted page publishes once.
    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args: Any, platforms: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.available = [p for p in PLATFORM_ORDER if p in platforms]
        labels = PLATFORM_LABELS
        cast(forms.ChoiceField, self.fields["platforms"]).choices = [
            (p, labels[p]) for p in self.available
        ]
        for platform in self.available:
            self.fields[f"text_{platform}"] = forms.CharField(
                label=_("Text for this platform"),
                help_text=_("Leave empty to use the main text."),
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
            )
            if platform in FORMATS:
                self.fields[f"format_{platform}"] = forms.ChoiceField(
                    label=_("Format"), required=False, choices=FORMATS[platform]
                )

    def main_fields(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if not f.name.startswith(("text_", "format_"))]

    def platform_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Each platform's own fields (its text, its format), to show folded per platform."""
        return [
            (p, [f for f in self.visible_fields() if f.name.endswith(f"_{p}")])
            for p in self.available
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("when") == "schedule" and not data.get("schedule_at"):
            self.add_error("schedule_at", _("Choose when to publish."))
        return data

    def submit_label(self) -> str:
        """What the submit button will do: publish now, or schedule for a time (in the
        store's timezone, the one active), as the form stands."""
        if not self.is_bound:
            return gettext("Publish now")
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        if data.get("when") != "schedule" and self.data.get("when") != "schedule":
            return gettext("Publish now")
        when = data.get("schedule_at")
        if not when:
            return gettext("Schedule")
        # The day and the time apart, so each language joins them with its own comma and
        # shows the time in its own format (Arabic: 8:00 م).
        return gettext("Schedule for %(day)s, %(time)s") % {
            "day": formats.date_format(when, "D j M"),
            "time": formats.time_format(when),
        }

    def chosen(self) -> list[str]:
        """The platforms ticked."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return list(data.get("platforms") or [])

    def options(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        options: dict[str, dict[str, str]] = {}
        for platform in self.chosen():
            own: dict[str, str] = {}
            if data.get(f"text_{platform}"):
                own["text"] = data[f"text_{platform}"]
            if data.get(f"format_{platform}"):
                own["format"] = data[f"format_{platform}"]
            if own:
                options[platform] = own
        return options

    def content(self) -> Content:
        data = self.cleaned_data
        return Content(
            text=data.get("text", ""),
            media=tuple(media_items(data.get("media_urls", ""))),
            link=data.get("link", ""),
        )

    def request_body(self, store_id: str) -> dict[str, Any]:
        """The publish API's request body, as the storefront would send it."""
        data = self.cleaned_data
        content = self.content()
        scheduled = data.get("when") == "schedule" and data.get("schedule_at")
        return {
            "store_id": store_id,
            "platforms": self.chosen(),
            "content": {
                "text": content.text,
                "media": [{"type": m.type, "url": m.url} for m in content.media],
                "link": content.link or None,
            },
            "schedule_at": data["schedule_at"].isoformat() if scheduled else None,
            "options": self.options(),
            "wait": False,
        }


class GenerateForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    platform = forms.ChoiceField(label=_("Write for"))
    tone = forms.ChoiceField(
        label=_("Tone"),
        choices=[
            ("casual", _("Casual")),
            ("professional", _("Professional")),
            ("playful", _("Playful")),
            ("luxury", _("Luxury")),
            ("urgent", _("Urgent")),
        ],
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("ar", _("Arabic")), ("en", _("English"))]
    )
    dialect = forms.ChoiceField(
        label=_("Dialect"),
        required=False,
        choices=[
            ("", _("Any")),
            ("msa", _("Modern Standard Arabic")),
            ("gulf", _("Gulf")),
            ("egyptian", _("Egyptian")),
            ("levantine", _("Levantine")),
        ],
    )

    def __init__(self, *args: Any, store: Any, platforms: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(store=store).order_by("title")  # type: ignore[attr-defined]
        labels = PLATFORM_LABELS
        cast(forms.ChoiceField, self.fields["platform"]).choices = [
            (p, labels[p]) for p in PLATFORM_ORDER if p in platforms
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("dialect") and data.get("language") != "ar":
            self.add_error("dialect", _("A dialect is only for Arabic."))
        return data
