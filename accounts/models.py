from __future__ import annotations

import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accounts import crypto


class Platform(models.TextChoices):
    """The contract's slugs, spelled exactly as the storefront sends them."""

    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    X = "x", "X"
    TIKTOK = "tiktok", "TikTok"
    THREADS = "threads", "Threads"
    YOUTUBE = "youtube", "YouTube"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone")


class Store(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    timezone = models.CharField(
        max_length=64, default="Asia/Riyadh", validators=[validate_timezone]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class StoreAllowedOrigin(models.Model):
    """An origin (scheme://host[:port]) the store's pages live on. A connect flow sends the
    browser back only to a redirect_url on one of these: never an open redirect."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="allowed_origins")
    origin = models.CharField(max_length=255, help_text="e.g. https://shop.example")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "origin"], name="one_row_per_store_origin")
        ]

    def __str__(self) -> str:
        return self.origin

    def clean(self) -> None:
        from accounts.oauth.origins import normalize_origin  # the one parser of origins

        try:
            self.origin = normalize_origin(self.origin)
        except ValueError as exc:
            raise ValidationError({"origin": str(exc)}) from exc


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        EDITOR = "editor", "Editor"
        VIEWER = "viewer", "Viewer"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store} ({self.role})"


class ApiKey(models.Model):
    """A store's API key. Only a SHA-256 of the key is kept: keys are 256 random bits, so
    a fast hash is enough, and it lets a request find its key with one indexed lookup."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, default="default")
    prefix = models.CharField(
        max_length=16, help_text="The key's first characters, to tell keys apart."
    )
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RateWindow(models.Model):
    """A request counter for the rate limit when the cache is not Redis (the embedded
    default). One row per counted key, reused window after window, so the table stays as
    small as the number of keys; mollkom_social/api/rate_counter.py updates it atomically."""

    key = models.CharField(max_length=100, primary_key=True)
    started_at = models.FloatField(help_text="When the current window began (Unix seconds).")
    hits = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"


class SocialAccount(models.Model):
    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
        DISCONNECTED = "disconnected", "Disconnected"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="social_accounts")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    platform_account_id = models.CharField(max_length=128)
    handle = models.CharField(max_length=128, blank=True)
    # How the account was connected where a platform offers several logins (Instagram:
    # "facebook" or "instagram"); it decides which API host the client calls.
    login_kind = models.CharField(max_length=16, blank=True, default="")
    # The platform user who granted access (Meta's app-scoped user id): Meta's deauthorize and
    # data-deletion callbacks name this user, not the Page or account that publishes.
    platform_user_id = models.CharField(max_length=128, blank=True, default="", db_index=True)
    access_token_encrypted = models.TextField(blank=True, editable=False)
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_reason = models.CharField(max_length=500, blank=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One live connection per platform per store: a post names a platform, not
            # an account, so which account publishes must never be ambiguous.
            models.UniqueConstraint(
                fields=["store", "platform"],
                condition=~models.Q(status="disconnected"),
                name="one_live_account_per_platform",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.handle or self.platform_account_id}"

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted)

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.access_token_encrypted = crypto.encrypt(value)

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_encrypted)

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.refresh_token_encrypted = crypto.encrypt(value)


class ConnectState(models.Model):
    """One OAuth connect flow in progress, found again by the `state` the platform echoes.

    Everything the callback needs lives here (a dashboard flow also checks the browser):
    the store, the platform, where to send the browser back, the PKCE verifier. Only a
    SHA-256 of the state is kept. Used once (a conditional UPDATE sets used_at), and only
    until expires_at."""

    state_hash = models.CharField(max_length=64, unique=True, editable=False)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="connect_states")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    redirect_url = models.TextField()
    code_verifier_encrypted = models.TextField(blank=True, editable=False)
    # Set when the dashboard started the flow (a logged-in merchant), empty for the API.
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # SHA-256 of the key in the starting browser's session (accounts/oauth/browser.py): a
    # dashboard flow is finished only by that browser. Empty for the API's flows.
    browser_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="connect_state_expiry")]

    def __str__(self) -> str:
        return f"{self.platform} connect for {self.store_id}"

    @property
    def code_verifier(self) -> str:
        return crypto.decrypt(self.code_verifier_encrypted)

    @code_verifier.setter
    def code_verifier(self, value: str) -> None:
        self.code_verifier_encrypted = crypto.encrypt(value)


class DataDeletionRequest(models.Model):
    """A user's request, through Meta, to delete what we hold about them; the confirmation
    code is what Meta shows the user, and the status page looks it up."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        COMPLETED = "completed", "Completed"

    confirmation_code = models.CharField(max_length=32, unique=True, editable=False)
    # Which app's secret signed the request (facebook, instagram or threads).
    app = models.CharField(max_length=16)
    platform_user_id = models.CharField(max_length=128)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    accounts_deleted = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.confirmation_code} ({self.status})"


class ConnectChoice(models.Model):
    """Accounts that one authorization granted (a Facebook user's Pages), waiting for the
    merchant to pick one on the chooser page. Found by a SHA-256 of the secret that only the
    chooser's form carries; taken once (a conditional UPDATE), and only until expires_at.
    The candidates, their tokens included, are encrypted, and cleared once taken."""

    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    flow = models.OneToOneField(ConnectState, on_delete=models.CASCADE, related_name="choice")
    candidates_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"choice for {self.flow}"
