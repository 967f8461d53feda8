"""The dashboard's forms."""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.models import Platform
from dashboard.templatetags.dashboard import PLATFORM_LABELS, STATUS_LABELS
from publishing.models import Post, PostStatus


class PostFilterForm(forms.Form):
    """Post history filters: status, platform, and a range of days in the store's timezone."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *((s, STATUS_LABELS[s]) for s in PostStatus.values)],
    )
    platform = forms.ChoiceField(
        label=_("Platform"),
        required=False,
        choices=[("", _("Any platform")), *((p, PLATFORM_LABELS[p]) for p in Platform.values)],
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter(self, posts: QuerySet[Post]) -> QuerySet[Post]:
        """Apply the valid filters (an invalid one is shown on the form and ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        if status := data.get("status"):
            posts = posts.filter(status=status)
        if platform := data.get("platform"):
            posts = posts.filter(targets__platform=platform)
        since: date | None = data.get("since")
        until: date | None = data.get("until")
        # A scheduled post belongs to the day it goes out; any other to the day it was made.
        posts = posts.annotate(day=Coalesce("schedule_at", "created_at"))
        if since:
            posts = posts.filter(day__date__gte=since)
        if until:
            posts = posts.filter(day__date__lte=until)
        return posts.distinct()
