"""The composer: live per-platform previews, AI generation, and publish or schedule.

Submitting goes through the publish API's own serializer and service, with the form's
request id as the Idempotency-Key, so what the dashboard accepts is exactly what the API
accepts and a double submit publishes once.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Membership, SocialAccount
from content_ai.models import Product
from content_ai.providers.base import ProviderError
from content_ai.services.credits import InsufficientCredits, credit_balance
from content_ai.services.generate import content_generate
from dashboard.access import StoreAccess, store_page
from dashboard.compose_forms import ComposeForm, GenerateForm
from dashboard.post_forms import compose_start
from dashboard.preview import PlatformPreview, platform_preview
from dashboard.preview_sources import linked_product_title, preview_handles
from dashboard.templatetags.dashboard import platform_label
from dashboard.views.media import attached_initial
from dashboard.wording import Problem, api_error_sentence, field_problem, rule_problem
from mollkom_social.api.errors import ApiError
from publishing.api.serializers import PublishInputSerializer
from publishing.platforms.registry import available_platforms
from publishing.services.posts import platform_content
from publishing.services.publish import publish


def publishable_platforms(access: StoreAccess) -> list[str]:
    """The platforms the store can publish to: connected and served."""
    connected = SocialAccount.objects.filter(
        store=access.store, status=SocialAccount.Status.CONNECTED
    ).values_list("platform", flat=True)
    return [p for p in connected if p in available_platforms()]


def compose_page(
    request: HttpRequest,
    access: StoreAccess,
    form: ComposeForm,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    platforms = form.available
    generate = GenerateForm(store=access.store, platforms=platforms, prefix="ai")
    context = {
        "form": form,
        "generate": generate,
        "has_products": Product.objects.filter(store=access.store).exists(),
        "credits": credit_balance(store=access.store),
        "previews": _previews(form, access),
        **extra,
    }
    return render(request, "dashboard/compose.html", context, status=status)


def _field_problems(errors: Any, field: str = "") -> list[Problem]:
    """The serializer's nested errors, each in the merchant's words by its field and code."""
    if isinstance(errors, dict):
        return [p for key, value in errors.items() for p in _field_problems(value, str(key))]
    if isinstance(errors, list):
        return [p for value in errors for p in _field_problems(value, field)]
    return [field_problem(field, getattr(errors, "code", ""), str(errors))]


def platform_problems(
    form: ComposeForm, access: StoreAccess, details: dict[str, Any]
) -> list[tuple[str, Problem]]:
    """The API's per-platform rule violations, each in the merchant's words by its code."""
    previews = {preview.platform: preview for preview in _previews(form, access)}
    content, options = form.content(), form.options()
    found = []
    for platform, problems in (details.get("platforms") or {}).items():
        shown = previews.get(platform)
        counted = {c.name: (c.used, c.limit) for c in shown.counters} if shown else {}
        own = platform_content(content, options.get(platform))
        for problem in problems:
            found.append(
                (
                    platform,
                    rule_problem(platform, problem["code"], problem["message"], own, counted),
                )
            )
    return found


def _previews(form: ComposeForm, access: StoreAccess) -> list[PlatformPreview]:
    """Each ticked platform's preview, as that platform would show the post."""
    if not form.is_bound or not form.is_valid() or not form.chosen():
        return []
    content = form.content()
    options = form.options()
    handles = preview_handles(store=access.store)
    link_title = linked_product_title(store=access.store, link=content.link)
    return [
        platform_preview(
            p,
            platform_content(content, options.get(p)),
            handle=handles.get(p, ""),
            fallback_name=access.store.name,
            link_title=link_title,
        )
        for p in form.chosen()
    ]


@store_page(Membership.Role.EDITOR)
def compose(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    platforms = publishable_platforms(access)
    if request.method != "POST":
        # ?from=<post> duplicates a post, ?date=<day> schedules for a calendar day, ?media=<id>
        # attaches library files: all only fill the form, nothing is created until it is sent.
        start = compose_start(store=access.store, query=request.GET)
        initial = {**start.initial, **attached_initial(access.store, request.GET.getlist("media"))}
        form = ComposeForm(initial=initial, platforms=platforms)
        return compose_page(request, access, form, copying=start.copying)
    form = ComposeForm(request.POST, platforms=platforms)
    if not form.is_valid():
        return compose_page(request, access, form, status=400)
    if not form.chosen():
        form.add_error("platforms", _("Choose at least one platform."))
        return compose_page(request, access, form, status=400)
    body = form.request_body(str(access.store.pk))
    serializer = PublishInputSerializer(data=body)
    if not serializer.is_valid():
        return compose_page(
            request,
            access,
            form,
            api_message=api_error_sentence("validation_error"),
            api_errors=_field_problems(serializer.errors),
            status=400,
        )
    try:
        outcome = publish(
            store=access.store,
            data=serializer.validated_data,
            raw_body=body,
            idempotency_key=f"dashboard:{form.cleaned_data['request_id']}",
        )
    except ApiError as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        return compose_page(
            request,
            access,
            form,
            api_message=api_error_sentence(exc.error_code),
            api_original=exc.message,
            platform_errors=platform_problems(form, access, details),
            status=400,
        )
    return redirect("dashboard:post", store_id=access.store.pk, post_id=outcome.body["post_id"])


@require_POST
@store_page(Membership.Role.EDITOR)
def compose_preview(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    """Every chosen platform's preview, counter and rule violations, as the merchant types."""
    form = ComposeForm(request.POST, platforms=publishable_platforms(access))
    return render(
        request,
        "dashboard/compose/_previews.html",
        {"previews": _previews(form, access), "form": form, "refresh": True},
    )


@require_POST
@store_page(Membership.Role.EDITOR)
def compose_generate(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    """Write the text with AI from a product; the answer fills the composer's text."""
    form = GenerateForm(
        request.POST, store=access.store, platforms=publishable_platforms(access), prefix="ai"
    )
    context: dict[str, Any] = {"generate": form}
    if form.is_valid():
        data = form.cleaned_data
        try:
            outcome = content_generate(
                store=access.store,
                product=data["product"],
                platform=data["platform"],
                tone=data["tone"],
                language=data["language"],
                dialect=data["dialect"],
                actor_label=f"dashboard:{request.user.get_username()}",
            )
        except InsufficientCredits:
            context["error"] = _("The store has no AI credits left.")
        except ProviderError:
            context["error"] = _("The AI could not write the post just now; no credit was used.")
        else:
            post = outcome.posts[0]
            hashtags = " ".join(post.hashtags)
            suggestion = outcome.suggestion
            context.update(
                text=f"{post.text}\n\n{hashtags}".strip() if hashtags else post.text,
                suggestion=suggestion,
                # In the merchant's language, whatever language the post is written in.
                suggestion_reason=suggestion.reason_in(
                    get_language(),
                    platform_name=platform_label(data["platform"]),
                    day_text=formats.date_format(suggestion.basis.slot_local, "l j F"),
                ),
            )
        context["credits"] = credit_balance(store=access.store)
    response = render(request, "dashboard/compose/_generated.html", context)
    if "text" in context:
        # The composer's text changed without the merchant typing: its previews ask again.
        response["HX-Trigger-After-Settle"] = "composer-changed"
    return response
