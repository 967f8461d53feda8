"""Acting on a post from its page and the calendar: edit and reschedule, unpublish, move.

Each calls a publishing service with typed values (dashboard/services/posts.py), never the
API's serializers or views; the refusals are the services' own, in the merchant's words.
An edit uses the composer's own page and rule messages, so it looks and answers exactly
like composing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Membership
from dashboard.access import StoreAccess, store_page
from dashboard.compose_forms import ComposeForm
from dashboard.confirm import confirm_page, confirmed
from dashboard.post_forms import post_initial
from dashboard.services.posts import (
    ScheduleProblem,
    is_editable,
    post_edit,
    post_move_to_day,
)
from dashboard.templatetags.dashboard import PLATFORM_LABELS
from dashboard.views.compose import compose_page, platform_problems, publishable_platforms
from dashboard.views.posts import REFUSALS, refused, store_post
from dashboard.wording import api_error_sentence, field_problem
from mollkom_social.api.errors import ApiError
from publishing.media.addresses import media_schemes
from publishing.services.lifecycle import PostChanges, UnpublishResult, post_unpublish

EDITOR = Membership.Role.EDITOR


def _content_problems(form: ComposeForm) -> list[tuple[str, str]]:
    """The API's checks on addresses, which its serializer makes before the service: media
    absolute (https unless plain http is allowed), the link http(s)."""
    content = form.content()
    schemes = tuple(f"{scheme}://" for scheme in media_schemes())
    problems = []
    if not all(m.url.lower().startswith(schemes) for m in content.media):
        problems.append(
            ("media_urls", _("Every media address must be a full address starting with https://."))
        )
    if content.link and not content.link.lower().startswith(("https://", "http://")):
        problems.append(("link", field_problem("link", "not_http_url", "").text))
    return problems


@store_page(EDITOR)
def post_edit_view(request: HttpRequest, access: StoreAccess, post_id: Any) -> HttpResponse:
    """The composer, filled with a scheduled post; saving goes through the API's PATCH
    service, which refuses (and changes nothing) once any platform has started."""
    post = store_post(access, post_id)
    back = redirect("dashboard:post", store_id=access.store.pk, post_id=post.pk)
    if not is_editable(post):
        messages.error(request, str(REFUSALS["not_editable"]))
        return back
    platforms = publishable_platforms(access)
    if request.method != "POST":
        form = ComposeForm(initial=post_initial(post, keep_schedule=True), platforms=platforms)
        return compose_page(request, access, form, editing=post)
    form = ComposeForm(request.POST, platforms=platforms)
    if form.is_valid() and not form.chosen():
        form.add_error("platforms", _("Choose at least one platform."))
    if form.is_valid():
        for field, problem in _content_problems(form):
            form.add_error(field, problem)
    if not form.is_valid():
        return compose_page(request, access, form, editing=post, status=400)
    data = form.cleaned_data
    changes = PostChanges(
        content=form.content(),
        platforms=form.chosen(),
        schedule_at=data["schedule_at"] if data["when"] == "schedule" else None,
        options=form.options(),
    )
    try:
        post_edit(store=access.store, post=post, changes=changes)
    except ScheduleProblem as exc:
        form.add_error("schedule_at", field_problem("schedule_at", exc.code, "").text)
        return compose_page(request, access, form, editing=post, status=400)
    except ApiError as exc:
        if exc.error_code == "not_editable":
            refused(request, exc)
            return back
        details = exc.details if isinstance(exc.details, dict) else {}
        return compose_page(
            request,
            access,
            form,
            editing=post,
            api_message=api_error_sentence(exc.error_code),
            api_original=exc.message,
            platform_errors=platform_problems(form, access, details),
            status=400,
        )
    messages.success(request, _("The post was saved."))
    return back


def _unpublished_message(request: HttpRequest, result: UnpublishResult) -> None:
    name = str(PLATFORM_LABELS.get(result.platform, result.platform))
    if result.status == "deleted":
        messages.success(request, _("Removed from %(platform)s.") % {"platform": name})
    elif result.status == "not_supported":
        messages.warning(
            request,
            _("%(platform)s does not let apps remove this post: remove it in %(platform)s itself.")
            % {"platform": name},
        )
    else:
        messages.error(
            request,
            _("%(platform)s could not remove the post just now: try again later.")
            % {"platform": name},
        )


@require_POST
@store_page(EDITOR)
def post_unpublish_view(request: HttpRequest, access: StoreAccess, post_id: Any) -> HttpResponse:
    """Delete a live post from every platform it is on, each platform answered on its own."""
    post = store_post(access, post_id)
    if not confirmed(request):
        return confirm_page(
            request,
            question=_("Remove this post from the platforms?"),
            consequence=_(
                "It is deleted from every platform where it is live. A platform that does "
                "not let apps delete posts keeps it, and you will be told which."
            ),
            action=_("Yes, remove it"),
            back=reverse("dashboard:post", args=[access.store.pk, post.pk]),
        )
    try:
        _post_after, results = post_unpublish(store=access.store, post_id=post.pk)
    except ApiError as exc:
        refused(request, exc)
    else:
        for result in results:
            _unpublished_message(request, result)
    return redirect("dashboard:post", store_id=access.store.pk, post_id=post.pk)


@require_POST
@store_page(EDITOR)
def post_move_view(request: HttpRequest, access: StoreAccess, post_id: Any) -> HttpResponse:
    """The calendar's drop: the post to another day at the same time, answered as JSON for
    dashboard/calendar.js (which puts the post back and shows the message on a refusal)."""
    post = store_post(access, post_id)
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        return JsonResponse({"ok": False, "message": _("Choose a day.")}, status=400)
    try:
        moved = post_move_to_day(store=access.store, post_id=post.pk, day=day)
    except ScheduleProblem as exc:
        problem = field_problem("schedule_at", exc.code, "")
        return JsonResponse({"ok": False, "message": problem.text}, status=400)
    except ApiError as exc:
        return JsonResponse(
            {"ok": False, "message": str(REFUSALS.get(exc.error_code, exc.message))},
            status=exc.status_code,
        )
    assert moved.schedule_at is not None
    when = formats.date_format(timezone.localtime(moved.schedule_at), "DATETIME_FORMAT")
    return JsonResponse(
        {
            "ok": True,
            "message": _("Rescheduled for %(when)s.") % {"when": when},
            "schedule_at": moved.schedule_at.isoformat(),
        }
    )
