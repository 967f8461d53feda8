"""Post history, one post's page with its live per-platform status, retry and cancel
(edit, duplicate, unpublish and move are in post_actions.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Membership
from dashboard.access import StoreAccess, store_page
from dashboard.confirm import confirm_page, confirmed
from dashboard.forms import PostFilterForm
from dashboard.services.posts import is_editable, is_live
from mollkom_social.api.errors import ApiError
from publishing.models import Post, PostTarget
from publishing.services.lifecycle import post_retry
from publishing.services.posts import post_cancel
from publishing.status import ACTIVE

PAGE_SIZE = 25


def store_post(access: StoreAccess, post_id: Any) -> Post:
    """The store's post, or 404: another store's post is as unknown as a missing one."""
    post = Post.objects.filter(store=access.store, pk=post_id).first()
    if post is None:
        raise Http404("No such post.")
    return post


def _targets(post: Post) -> list[PostTarget]:
    return list(post.targets.order_by("platform"))


@store_page()
def post_list(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    form = PostFilterForm(request.GET or None)
    posts = Post.objects.filter(store=access.store).prefetch_related("targets")
    if form.is_bound:
        posts = form.filter(posts)
    page = Paginator(posts.order_by("-created_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "dashboard/posts/list.html", {"form": form, "page": page, "query": query}
    )


def _status_context(post: Post) -> dict[str, Any]:
    targets = _targets(post)
    return {
        "post": post,
        "targets": targets,
        # The page asks again while anything is still on its way.
        "live": any(t.status in ACTIVE for t in targets),
    }


@store_page()
def post_detail(request: HttpRequest, access: StoreAccess, post_id: Any) -> HttpResponse:
    post = store_post(access, post_id)
    context = {
        **_status_context(post),
        "editable": is_editable(post),
        "unpublishable": is_live(post),
    }
    return render(request, "dashboard/posts/detail.html", context)


@store_page()
def post_status(request: HttpRequest, access: StoreAccess, post_id: Any) -> HttpResponse:
    """The per-platform status block alone, which the post's page polls while it changes."""
    post = store_post(access, post_id)
    return render(request, "dashboard/posts/_status.html", _status_context(post))


# What the merchant reads when an action is refused; the API says the same in English.
REFUSALS = {
    "not_cancellable": gettext_lazy(
        "Only a post whose every platform is still scheduled can be cancelled."
    ),
    "not_retryable": gettext_lazy("Only failed platforms can be retried."),
    "account_needs_reconnect": gettext_lazy("Reconnect the account first, then retry."),
    "not_editable": gettext_lazy(
        "The post has started publishing, so it can no longer be changed. Nothing was changed."
    ),
    "not_published": gettext_lazy("The post is not live on any platform."),
}


def refused(request: HttpRequest, exc: ApiError) -> None:
    # A code without a sentence gets a general one: exc.message is the API's English.
    refusal = REFUSALS.get(exc.error_code, gettext_lazy("This cannot be done with this post now."))
    messages.error(request, str(refusal))


@require_POST
@store_page(Membership.Role.EDITOR)
def post_retry_view(request: HttpRequest, access: StoreAccess, post_id: Any) -> HttpResponse:
    post = store_post(access, post_id)
    platform = request.POST.get("platform") or None
    try:
        post_retry(store=access.store, post_id=post.pk, platforms=[platform] if platform else None)
    except ApiError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Sent again."))
    return redirect("dashboard:post", store_id=access.store.pk, post_id=post.pk)


@require_POST
@store_page(Membership.Role.EDITOR)
def post_cancel_view(request: HttpRequest, access: StoreAccess, post_id: Any) -> HttpResponse:
    post = store_post(access, post_id)
    if not confirmed(request):
        return confirm_page(
            request,
            question=_("Cancel this scheduled post?"),
            consequence=_("It will not be published on any platform."),
            action=_("Yes, cancel it"),
            back=reverse("dashboard:post", args=[access.store.pk, post.pk]),
        )
    try:
        post_cancel(store=access.store, post_id=post.pk)
    except ApiError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The scheduled post was cancelled."))
    return redirect("dashboard:post", store_id=access.store.pk, post_id=post.pk)
