"""Destructive actions ask first, with or without JavaScript.

The action's own POST carries ``confirmed=yes`` only from a confirmation: the page below,
or the dialog that dashboard/confirm.js opens in its place. A POST without it (a plain form
submit, a script that did not load) does nothing and answers the confirmation page, whose
form posts the same fields again, confirmed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

FIELD = "confirmed"


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get(FIELD) == "yes"


def confirm_page(
    request: HttpRequest,
    *,
    question: str,
    consequence: str = "",
    action: str,
    back: str,
) -> HttpResponse:
    """Ask ``question`` before doing ``action`` (the confirming button's words); ``back`` is
    where "keep it" leads."""
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in (FIELD, "csrfmiddlewaretoken")
        for value in values
    ]
    context = {
        "question": question,
        "consequence": consequence,
        "action": action,
        "back": back,
        "fields": fields,
    }
    return render(request, "dashboard/confirm.html", context)
