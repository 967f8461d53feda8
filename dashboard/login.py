"""The login forms (dashboard and admin) with the brute-force limits of
accounts/login_limits.py: a locked username or address is refused before its password is
checked, with the time to wait."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy, ngettext

from accounts.login_limits import login_failed, login_lockout, login_succeeded


def client_ip(request: HttpRequest | None) -> str:
    return str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""


class LoginLimitsMixin(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        lockout = login_lockout(username=username, ip=ip)
        if lockout is not None:
            minutes = max(1, math.ceil(lockout.retry_after_seconds / 60))
            raise ValidationError(
                ngettext(
                    "Too many failed login attempts. Try again in %(minutes)d minute.",
                    "Too many failed login attempts. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if username and self.cleaned_data.get("password"):
                login_failed(username=username, ip=ip)
            raise
        if self.user_cache is not None:
            login_succeeded(username=username)
        return cleaned


class LimitedAuthenticationForm(LoginLimitsMixin):
    error_messages = {
        **AuthenticationForm.error_messages,
        # The words the login page always showed, for a wrong password and an unknown user.
        "invalid_login": gettext_lazy("Your username and password didn't match. Please try again."),
    }


class LimitedAdminAuthenticationForm(LoginLimitsMixin, AdminAuthenticationForm):
    pass
