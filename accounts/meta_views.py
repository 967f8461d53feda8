"""Meta's deauthorize and data-deletion callbacks, and the deletion status page.

Meta posts a form with one field, ``signed_request``; the answers follow Meta's docs: any 200
for deauthorize, ``{"url", "confirmation_code"}`` for data deletion.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.meta_callbacks import (
    meta_data_deletion_request,
    meta_deauthorize,
    meta_signed_request_verify,
)
from accounts.meta_signed_request import SignedRequest, SignedRequestError
from accounts.models import DataDeletionRequest
from mollkom_social.api.errors import error_response


def _verified(request: HttpRequest) -> SignedRequest | JsonResponse:
    raw = request.POST.get("signed_request", "")
    if not raw:
        return error_response("missing_signed_request", "Send the form field signed_request.", 400)
    try:
        return meta_signed_request_verify(raw)
    except SignedRequestError as exc:
        return error_response("invalid_signed_request", str(exc), 400)


@csrf_exempt
@require_POST
def deauthorize(request: HttpRequest) -> HttpResponse:
    signed = _verified(request)
    if isinstance(signed, JsonResponse):
        return signed
    disconnected = meta_deauthorize(signed=signed)
    return JsonResponse({"success": True, "disconnected": disconnected})


@csrf_exempt
@require_POST
def data_deletion(request: HttpRequest) -> HttpResponse:
    signed = _verified(request)
    if isinstance(signed, JsonResponse):
        return signed
    deletion = meta_data_deletion_request(signed=signed)
    status_path = reverse("meta-data-deletion-status", args=[deletion.confirmation_code])
    return JsonResponse(
        {
            # Where users reach us, not the host Meta's request came in by.
            "url": f"{settings.PUBLIC_BASE_URL}{status_path}",
            "confirmation_code": deletion.confirmation_code,
        }
    )


@require_GET
def data_deletion_status(request: HttpRequest, code: str) -> HttpResponse:
    deletion = get_object_or_404(DataDeletionRequest, confirmation_code=code)
    return render(request, "accounts/meta_deletion_status.html", {"deletion": deletion})
