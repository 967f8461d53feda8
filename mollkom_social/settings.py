"""Settings, all from the environment (every variable is listed in .env.example).

With no DATABASE_URL and no REDIS_URL the service runs on its embedded default:
SQLite in WAL mode and a filesystem broker (kombu's, made atomic: mollkom_social/broker.py)
under DATA_DIR, so `make run` works on a fresh machine with no servers. Production sets both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from mollkom_social.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_platform_url,
    env_proxy_ssl_header,
    env_str,
)

# Lets admin and serializer classes be subscripted for the type checker at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))

DATABASE_URL = env_str("DATABASE_URL", "")
REDIS_URL = env_str("REDIS_URL", "")
# The embedded default: no database or broker server needed.
EMBEDDED = not DATABASE_URL

DEBUG = env_bool("DEBUG", EMBEDDED)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key" if EMBEDDED else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set outside the embedded default")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

# --- HTTPS ----------------------------------------------------------------------------

# Outside the embedded default the service is reached over HTTPS, with TLS ending at a proxy
# that says so in a header (SECURE_PROXY_SSL_HEADER; it must set that header itself and drop
# the client's). Browsers are sent to HTTPS and kept there (HSTS), and the session and CSRF
# cookies never travel over plain HTTP. The embedded default is http://127.0.0.1: all off.
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header(
    "SECURE_PROXY_SSL_HEADER", "" if EMBEDDED else "X-Forwarded-Proto: https"
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not EMBEDDED)
# Load balancers and `make run` probe /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if EMBEDDED else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not EMBEDDED)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not EMBEDDED)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not EMBEDDED)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not EMBEDDED)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_celery_beat",
    "accounts",
    "publishing",
    "content_ai",
    "webhooks",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so an oversized API body is refused before any view code runs.
    "mollkom_social.api.middleware.ApiBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mollkom_social.locale.SiteLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mollkom_social.api.middleware.ApiErrorMiddleware",
]

ROOT_URLCONF = "mollkom_social.urls"
WSGI_APPLICATION = "mollkom_social.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context.dashboard",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------

if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL)
    # Django's psycopg pool keeps connections bounded however many worker threads run:
    # a thread that finds the pool empty waits (up to `timeout`) instead of opening more.
    _db["CONN_MAX_AGE"] = 0
    # A pooled connection whose backend was terminated (failover, restart,
    # pg_terminate_backend, an idle timeout) is tested before use and replaced, and the
    # first dead one has every idle one checked at once (mollkom_social/postgres/base.py),
    # so a dropped server costs a reconnect instead of failed requests.
    _db["ENGINE"] = "mollkom_social.postgres"
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DB_POOL_MIN_SIZE", 1),
        "max_size": env_int("DB_POOL_MAX_SIZE", 10),
        "timeout": env_float("DB_POOL_TIMEOUT", 30.0),
    }
    DATABASES = {"default": _db}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "db.sqlite3"),
            "OPTIONS": {
                # WAL lets web, worker and beat read while one writes; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue on the busy timeout instead of
                # failing with "database is locked" on lock upgrade.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling, health) -------------------------------------------------------

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "mollkom"),
        }
    }
else:
    CACHES = {
        "default": {
            # Django's file cache, with add and incr made atomic (the login limits count in it).
            "BACKEND": "mollkom_social.cache.LockedFileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# --- Celery ---------------------------------------------------------------------------

if REDIS_URL:
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # A message whose worker died unacknowledged is redelivered after this long; the
        # database lease (PUBLISH_LEASE_SECONDS) is what actually recovers the target.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    }
else:
    # kombu's filesystem transport with whole-file writes and a consumer that sets an
    # unreadable message aside (mollkom_social/broker.py): kombu's own lets a worker read a
    # message still being written, and the decode error ends the worker.
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("out", "processed", "control", "corrupt"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem-atomic://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
        "corrupt_folder": str(_broker_dir / "corrupt"),
        # The filesystem transport polls; 1 s (its default) per hop is felt in every publish.
        "polling_interval": 0.1,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker restart or failover must not end a worker or beat. A worker (and beat when it
# starts) reconnects with kombu's backoff (2 s, then 2 s more a try, up to 30 s); Celery's
# default gives up after 100 tries (about 50 minutes) and exits, so a longer Redis outage
# needed a restart by hand. A running beat's sends fail, are logged and are tried again at
# the next due entry; the dispatcher catches up on whatever fell due meanwhile.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES: int | None = None
# When the broker connection drops mid-task, let running tasks finish: a publish in the
# middle of its platform call records the platform's answer instead of being cut off into
# `unconfirmed`. Its unacknowledged message comes back after the visibility timeout and
# finds the target already claimed or settled. Set explicitly: Celery 6 flips the default.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULER = "publishing.scheduler:HeartbeatDatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# --- Publishing -----------------------------------------------------------------------

PUBLISH_WAIT_SECONDS = env_float("PUBLISH_WAIT_SECONDS", 20.0)
PUBLISH_WAIT_POLL_SECONDS = env_float("PUBLISH_WAIT_POLL_SECONDS", 0.1)
SCHEDULE_HORIZON_DAYS = env_int("SCHEDULE_HORIZON_DAYS", 365)
DISPATCH_INTERVAL_SECONDS = env_float("DISPATCH_INTERVAL_SECONDS", 5.0)
DISPATCH_BATCH_SIZE = env_int("DISPATCH_BATCH_SIZE", 500)
# Renewed at every step of a publish; must outlast the longest single step (a media
# container's processing wait, up to INSTAGRAM_CONTAINER_WAIT_SECONDS).
PUBLISH_LEASE_SECONDS = env_int("PUBLISH_LEASE_SECONDS", 600)
PUBLISH_MAX_ATTEMPTS = env_int("PUBLISH_MAX_ATTEMPTS", 5)
PUBLISH_RETRY_BASE_SECONDS = env_float("PUBLISH_RETRY_BASE_SECONDS", 10.0)
# A queued target whose message may have been lost (broker restart) is sent again after this.
REQUEUE_AFTER_SECONDS = env_int("REQUEUE_AFTER_SECONDS", 120)
# How long after a lost answer the platform is asked whether the post exists.
RECONCILE_DELAY_SECONDS = env_int("RECONCILE_DELAY_SECONDS", 10)
# One search of an account's listing reads at most this many pages (of 50 to 100 posts) or
# seconds; past either it is unfinished, never a miss, and is tried again later.
RECONCILE_SEARCH_MAX_PAGES = env_int("RECONCILE_SEARCH_MAX_PAGES", 50)
RECONCILE_SEARCH_SECONDS = env_float("RECONCILE_SEARCH_SECONDS", 60.0)
# Bounds on settling one target: lookups of any outcome, and complete misses (each of which
# sends the post again). Past either the target fails as reconcile_failed, "may be live",
# for a person to settle: never an endless loop.
RECONCILE_MAX_LOOKUPS = env_int("RECONCILE_MAX_LOOKUPS", 12)
RECONCILE_MAX_MISSES = env_int("RECONCILE_MAX_MISSES", 3)
PLATFORM_HTTP_TIMEOUT = env_float("PLATFORM_HTTP_TIMEOUT", 30.0)
# Fairness: every store shares the workers' threads, so a target is published only while
# its store has fewer than PUBLISH_MAX_CONCURRENT_PER_STORE targets publishing and its
# account fewer than PUBLISH_MAX_CONCURRENT_PER_ACCOUNT (0: no limit), across all workers.
# Over a limit, it waits as `queued` for PUBLISH_LIMIT_DEFER_SECONDS (to 1.5x, jittered) and
# the dispatcher sends it again; no attempt is spent. The counts live in Redis
# (PUBLISH_LIMITS_REDIS_URL, REDIS_URL by default; in the process without Redis); a slot is
# renewed while held and lost PUBLISH_SLOT_TTL_SECONDS after its worker died.
PUBLISH_MAX_CONCURRENT_PER_STORE = env_int("PUBLISH_MAX_CONCURRENT_PER_STORE", 6)
PUBLISH_MAX_CONCURRENT_PER_ACCOUNT = env_int("PUBLISH_MAX_CONCURRENT_PER_ACCOUNT", 3)
PUBLISH_LIMIT_DEFER_SECONDS = env_float("PUBLISH_LIMIT_DEFER_SECONDS", 3.0)
PUBLISH_SLOT_TTL_SECONDS = env_float("PUBLISH_SLOT_TTL_SECONDS", 30.0)
PUBLISH_LIMITS_REDIS_URL = env_str("PUBLISH_LIMITS_REDIS_URL", REDIS_URL)
PUBLISH_LIMITS_KEY_PREFIX = env_str("PUBLISH_LIMITS_KEY_PREFIX", "mollkom:slots")
HEARTBEAT_STALE_SECONDS = env_int("HEARTBEAT_STALE_SECONDS", 120)
# How often beat records that it is alive (the worker records its own every 10 s).
BEAT_HEARTBEAT_SECONDS = env_float("BEAT_HEARTBEAT_SECONDS", 10.0)

# Media URLs: loopback hosts are refused in production (SSRF) and allowed on the
# embedded default so that local files can be published.
MEDIA_ALLOW_LOOPBACK = env_bool("MEDIA_ALLOW_LOOPBACK", EMBEDDED)
MEDIA_ALLOW_PRIVATE = env_bool("MEDIA_ALLOW_PRIVATE", False)
MEDIA_ALLOW_HTTP = env_bool("MEDIA_ALLOW_HTTP", EMBEDDED)
MEDIA_MAX_IMAGE_BYTES = env_int("MEDIA_MAX_IMAGE_BYTES", 5 * 1024 * 1024)
MEDIA_FETCH_TIMEOUT = env_float("MEDIA_FETCH_TIMEOUT", 20.0)
# Images Pillow may decode; a file past it is refused before decoding (a decompression bomb).
MEDIA_IMAGE_MAX_PIXELS = env_int("MEDIA_IMAGE_MAX_PIXELS", 50_000_000)
# The media relay: an image a platform cannot take as it is (Instagram wants JPEG, TikTok pulls
# only from verified URL prefixes) is converted, stored with the default storage under
# MEDIA_ROOT, and handed over as MEDIA_PUBLIC_BASE_URL/media/relay/<name>. The platform fetches
# it from there, so the base must be reachable from the internet in production.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", "") or DATA_DIR / "media")
# Where browsers and platforms reach this service: the OAuth callback each platform app
# registers is PUBLIC_BASE_URL + /connect/<platform>/callback.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
MEDIA_PUBLIC_BASE_URL = env_str("MEDIA_PUBLIC_BASE_URL", PUBLIC_BASE_URL).rstrip("/")
MEDIA_RELAY_KEEP_HOURS = env_float("MEDIA_RELAY_KEEP_HOURS", 48.0)
MEDIA_RELAY_CLEAN_INTERVAL_SECONDS = env_float("MEDIA_RELAY_CLEAN_INTERVAL_SECONDS", 3600.0)
MEDIA_RELAY_SOURCE_MAX_BYTES = env_int("MEDIA_RELAY_SOURCE_MAX_BYTES", 50 * 1024 * 1024)
# The media library (publishing/library/): photos and videos merchants upload, stored with the
# default storage under library/ and served as MEDIA_PUBLIC_BASE_URL/media/library/<name>.
# An upload arrives in chunks of at most MEDIA_UPLOAD_CHUNK_BYTES (its own body limit, over
# API_MAX_BODY_BYTES) appended to a file under MEDIA_UPLOAD_DIR, so no process holds a whole
# video; with several web machines that directory must be shared between them.
MEDIA_UPLOAD_DIR = Path(env_str("MEDIA_UPLOAD_DIR", "") or DATA_DIR / "uploads")
MEDIA_UPLOAD_CHUNK_BYTES = env_int("MEDIA_UPLOAD_CHUNK_BYTES", 4 * 1024 * 1024)
MEDIA_UPLOAD_MAX_IMAGE_BYTES = env_int("MEDIA_UPLOAD_MAX_IMAGE_BYTES", 8 * 1024 * 1024)
MEDIA_UPLOAD_MAX_VIDEO_BYTES = env_int("MEDIA_UPLOAD_MAX_VIDEO_BYTES", 1024 * 1024 * 1024)
# An upload not completed within this many hours is abandoned, and its partial file deleted.
MEDIA_UPLOAD_KEEP_HOURS = env_float("MEDIA_UPLOAD_KEEP_HOURS", 24.0)
MEDIA_UPLOAD_CLEAN_INTERVAL_SECONDS = env_float("MEDIA_UPLOAD_CLEAN_INTERVAL_SECONDS", 3600.0)

# --- Platforms ------------------------------------------------------------------------

# The sandbox stands in for every platform that has no credentials of its own.
SANDBOX_URL = env_str("SANDBOX_URL", "").rstrip("/")
X_CLIENT_ID = env_str("X_CLIENT_ID", "")
X_CLIENT_SECRET = env_str("X_CLIENT_SECRET", "")
_x_sandboxed = bool(SANDBOX_URL) and not X_CLIENT_ID
X_API_BASE_URL = env_platform_url(
    "X_API_BASE_URL", sandbox=f"{SANDBOX_URL}/x", real="https://api.x.com", sandboxed=_x_sandboxed
)
X_WEB_BASE_URL = env_platform_url(
    "X_WEB_BASE_URL", sandbox=f"{SANDBOX_URL}/x-web", real="https://x.com", sandboxed=_x_sandboxed
)
# Seconds one try waits for X to process a video or GIF; past it the try ends retryable and
# the next one polls the same media again (like the other platforms' *_WAIT_SECONDS).
X_MEDIA_PROCESSING_WAIT_SECONDS = env_float("X_MEDIA_PROCESSING_WAIT_SECONDS", 300.0)

# --- Connecting accounts (accounts/oauth) -----------------------------------------------

# A connect flow's state (and PKCE verifier) is good for this long, and only once.
CONNECT_STATE_TTL_SECONDS = env_int("CONNECT_STATE_TTL_SECONDS", 600)
# The sandbox's registered app, used by every platform that has no client id of its own.
SANDBOX_OAUTH_CLIENT_ID = env_str("SANDBOX_OAUTH_CLIENT_ID", "mollkom-sandbox")
SANDBOX_OAUTH_CLIENT_SECRET = env_str("SANDBOX_OAUTH_CLIENT_SECRET", "mollkom-sandbox-secret")
# Beat refreshes tokens expiring within TOKEN_REFRESH_AHEAD_SECONDS, every
# TOKEN_REFRESH_INTERVAL_SECONDS; a publish refreshes first when its token has less than
# TOKEN_REFRESH_BEFORE_PUBLISH_SECONDS left.
TOKEN_REFRESH_AHEAD_SECONDS = env_int("TOKEN_REFRESH_AHEAD_SECONDS", 900)
TOKEN_REFRESH_INTERVAL_SECONDS = env_float("TOKEN_REFRESH_INTERVAL_SECONDS", 60.0)
TOKEN_REFRESH_BEFORE_PUBLISH_SECONDS = env_int("TOKEN_REFRESH_BEFORE_PUBLISH_SECONDS", 300)
X_AUTHORIZE_URL = env_platform_url(
    "X_AUTHORIZE_URL",
    sandbox=f"{SANDBOX_URL}/x-web/i/oauth2/authorize",
    real="https://x.com/i/oauth2/authorize",
    sandboxed=_x_sandboxed,
)
X_OAUTH_SCOPES = env_str(
    "X_OAUTH_SCOPES", "tweet.read tweet.write users.read media.write offline.access"
)

# --- Secrets --------------------------------------------------------------------------

# Comma-separated Fernet keys, newest first; older keys still decrypt (rotation).
TOKEN_ENCRYPTION_KEYS = env_list("TOKEN_ENCRYPTION_KEYS", [])
if not TOKEN_ENCRYPTION_KEYS and not EMBEDDED:
    raise RuntimeError("TOKEN_ENCRYPTION_KEYS must be set outside the embedded default")

# --- API ------------------------------------------------------------------------------

# Requests per API key per window ("600/min"), counted atomically in Redis or, without it,
# in the database (mollkom_social/api/rate_counter.py); read on every request.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "600/min")
# The largest request body the API reads, in bytes (a 413 past it). Media travel as URLs,
# so a post comes nowhere near it; a product bulk sync (up to 500 products, descriptions of
# up to 20,000 characters) has its own, larger limit.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
API_MAX_BULK_BODY_BYTES = env_int("API_MAX_BULK_BODY_BYTES", 16 * 1024 * 1024)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["mollkom_social.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["mollkom_social.api.auth.HasApiKey"],
    "DEFAULT_THROTTLE_CLASSES": ["mollkom_social.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["mollkom_social.api.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "mollkom_social.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "mollkom_social.api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mollkom Social API",
    "DESCRIPTION": (
        "Publish and schedule posts to the store's connected social accounts.\n\n"
        "Every request carries the store's API key (`Authorization: Bearer <api key>`). "
        'Every error answers `{"success": false, "error": {"code", "message", '
        '"details"}}`; each operation lists the statuses it answers. Beyond those, any '
        "path answers `405 method_not_allowed` to a method it does not list (its `Allow` "
        "header names those it does), `406 not_acceptable` to a request whose `Accept` "
        "excludes JSON, and `500 internal_error` to a failure of the service itself."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/functions/v1",
    # One name for the platform slugs wherever they appear (platform, platforms, filters).
    "ENUM_NAME_OVERRIDES": {"PlatformEnum": "accounts.models.Platform.values"},
}

# --- The rest -------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The dashboard speaks Arabic (to browsers that ask for it) and English; the
# API answers in English whatever the browser asks (mollkom_social/locale.py).
LANGUAGE_CODE = "en"
LANGUAGES = [("ar", "العربية"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Arabic date formats Django's locale lacks (mollkom_social/formats/ar/formats.py).
FORMAT_MODULE_PATH = ["mollkom_social.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
LOGIN_URL = "login"
# Team invitations go out by mail, each with a single-use join link. The embedded default
# prints mails in the web log; anywhere else that would put live links in the logs, so mail
# goes over SMTP and EMAIL_HOST must be set (dashboard/checks.py stops the start without it).
# An empty EMAIL_BACKEND (as .env.example lists it) means the default.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "") or (
    "django.core.mail.backends.console.EmailBackend"
    if EMBEDDED
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost" if EMBEDDED else "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Mollkom Social <no-reply@localhost>")
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)
LOGIN_REDIRECT_URL = "/"
# Brute-force limits on logging in (dashboard and admin; accounts/login_limits.py): after this
# many failed logins for one username, or from one IP address, within LOGIN_LOCKOUT_SECONDS,
# that username or address is refused for LOGIN_LOCKOUT_SECONDS. The per-address limit is
# higher: an office or a mobile network shares one address.
LOGIN_MAX_FAILURES_PER_USERNAME = env_int("LOGIN_MAX_FAILURES_PER_USERNAME", 5)
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 20)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
LOGOUT_REDIRECT_URL = "login"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The API docs page (/docs/) runs Redoc from our own static files, vendored with its version
# and licence under dashboard/static/vendor/ and served by whitenoise: no script from another
# origin (drf-spectacular's default is redoc@latest from a CDN) runs on the dashboard's origin.
REDOC_VERSION = "2.5.4"
SPECTACULAR_SETTINGS["REDOC_DIST"] = f"/{STATIC_URL}vendor/redoc-{REDOC_VERSION}"
# Relayed and uploaded media: files under MEDIA_ROOT by default; MEDIA_STORAGE=s3 keeps them in
# an S3-compatible bucket (django-storages) instead. The bucket stays private: files are served
# through this service's /media/ URLs, never the bucket's own.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "filesystem")
_MEDIA_BACKENDS: dict[str, dict[str, Any]] = {
    "filesystem": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "s3": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("AWS_LOCATION", ""),
            "default_acl": None,
            "file_overwrite": False,
        },
    },
}
if MEDIA_STORAGE not in _MEDIA_BACKENDS:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be one of {sorted(_MEDIA_BACKENDS)}.")
STORAGES = {
    "default": _MEDIA_BACKENDS[MEDIA_STORAGE],
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_secrets": {"()": "publishing.platforms.redact.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # urllib3 logs each request's full URL at DEBUG, and Meta's carry access_token in it.
    "loggers": {"urllib3.connectionpool": {"filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Webhooks -------------------------------------------------------------------------

# Webhook URLs pass the same SSRF guard as media (MEDIA_ALLOW_LOOPBACK/PRIVATE/HTTP).
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 10.0)
WEBHOOK_RETRY_WINDOW_SECONDS = env_int("WEBHOOK_RETRY_WINDOW_SECONDS", 86400)
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 50)
WEBHOOK_SWEEP_INTERVAL_SECONDS = env_float("WEBHOOK_SWEEP_INTERVAL_SECONDS", 10.0)

# --- Threads --------------------------------------------------------------------------

# Without a Threads app id, Threads goes to the sandbox at SANDBOX_URL, as X does. The API
# version is pinned (PLATFORMS.md: "pin a version"); the official Postman collection calls
# the unversioned host, which Meta serves with its default version, v1.0 today.
THREADS_CLIENT_ID = env_str("THREADS_CLIENT_ID", "")
THREADS_CLIENT_SECRET = env_str("THREADS_CLIENT_SECRET", "")
_threads_sandboxed = bool(SANDBOX_URL) and not THREADS_CLIENT_ID
THREADS_API_BASE_URL = env_platform_url(
    "THREADS_API_BASE_URL",
    sandbox=f"{SANDBOX_URL}/threads/v1.0",
    real="https://graph.threads.net/v1.0",
    sandboxed=_threads_sandboxed,
)
# Containers are polled from this interval, doubling up to 30 s, for at most the wait;
# then the attempt is retried later and polls the same container again.
THREADS_CONTAINER_POLL_SECONDS = env_float("THREADS_CONTAINER_POLL_SECONDS", 2.0)
THREADS_CONTAINER_WAIT_SECONDS = env_float("THREADS_CONTAINER_WAIT_SECONDS", 120.0)
# Connecting Threads (PLATFORMS.md 5.1): the consent page, and graph.threads.net without a
# version, where the code, long-lived and refresh exchanges live.
THREADS_AUTHORIZE_URL = env_platform_url(
    "THREADS_AUTHORIZE_URL",
    sandbox=f"{SANDBOX_URL}/threads-web/oauth/authorize",
    real="https://threads.net/oauth/authorize",
    sandboxed=_threads_sandboxed,
)
THREADS_OAUTH_BASE_URL = env_platform_url(
    "THREADS_OAUTH_BASE_URL",
    sandbox=f"{SANDBOX_URL}/threads",
    real="https://graph.threads.net",
    sandboxed=_threads_sandboxed,
)
THREADS_OAUTH_SCOPES = env_str(
    "THREADS_OAUTH_SCOPES", "threads_basic,threads_content_publish,threads_delete"
)

# --- Content generation (content_ai) -----------------------------------------------------

# Without a key, generation uses the offline template writer (so `make run` works anywhere).
ANTHROPIC_API_KEY = env_str("ANTHROPIC_API_KEY", "")
ANTHROPIC_MODEL = env_str("ANTHROPIC_MODEL", "claude-sonnet-4-6")
ANTHROPIC_BASE_URL = env_str("ANTHROPIC_BASE_URL", "")
ANTHROPIC_TIMEOUT_SECONDS = env_float("ANTHROPIC_TIMEOUT_SECONDS", 30.0)
ANTHROPIC_MAX_RETRIES = env_int("ANTHROPIC_MAX_RETRIES", 2)
ANTHROPIC_MAX_TOKENS = env_int("ANTHROPIC_MAX_TOKENS", 1024)
# Credits a store gets when its credit account is first used (see content_ai.services.credits).
AI_INITIAL_CREDITS = env_int("AI_INITIAL_CREDITS", 100)

# --- Instagram
# Without an Instagram (Meta) app id, Instagram goes to the sandbox at SANDBOX_URL, as X and
# Threads do. Two hosts (PLATFORMS.md 1.1): Facebook Login accounts on graph.facebook.com,
# Instagram Login accounts on graph.instagram.com; the Graph API version is pinned.
INSTAGRAM_CLIENT_ID = env_str("INSTAGRAM_CLIENT_ID", "")
INSTAGRAM_CLIENT_SECRET = env_str("INSTAGRAM_CLIENT_SECRET", "")
_instagram_sandboxed = bool(SANDBOX_URL) and not INSTAGRAM_CLIENT_ID
INSTAGRAM_GRAPH_BASE_URL = env_platform_url(
    "INSTAGRAM_GRAPH_BASE_URL",
    sandbox=f"{SANDBOX_URL}/instagram/fb/v25.0",
    real="https://graph.facebook.com/v25.0",
    sandboxed=_instagram_sandboxed,
)
INSTAGRAM_IG_BASE_URL = env_platform_url(
    "INSTAGRAM_IG_BASE_URL",
    sandbox=f"{SANDBOX_URL}/instagram/ig/v25.0",
    real="https://graph.instagram.com/v25.0",
    sandboxed=_instagram_sandboxed,
)
# Containers are polled from this interval, doubling up to 60 s, for at most the wait (Meta
# advises about once a minute for up to 5 minutes); then the attempt is retried later and
# polls the same container again.
INSTAGRAM_CONTAINER_POLL_SECONDS = env_float("INSTAGRAM_CONTAINER_POLL_SECONDS", 3.0)
INSTAGRAM_CONTAINER_WAIT_SECONDS = env_float("INSTAGRAM_CONTAINER_WAIT_SECONDS", 300.0)
# Connecting Instagram: through Instagram Login ("instagram", the default; INSTAGRAM_CLIENT_ID
# is then the Instagram app's id) or Facebook Login ("facebook"; the Meta app's id).
INSTAGRAM_LOGIN = env_str("INSTAGRAM_LOGIN", "instagram")
if INSTAGRAM_LOGIN not in ("instagram", "facebook"):
    raise ValueError("INSTAGRAM_LOGIN must be instagram or facebook")
INSTAGRAM_AUTHORIZE_URL = env_platform_url(
    "INSTAGRAM_AUTHORIZE_URL",
    sandbox=f"{SANDBOX_URL}/instagram-web/oauth/authorize",
    real="https://www.instagram.com/oauth/authorize",
    sandboxed=_instagram_sandboxed,
)
INSTAGRAM_TOKEN_URL = env_platform_url(
    "INSTAGRAM_TOKEN_URL",
    sandbox=f"{SANDBOX_URL}/instagram/api/oauth/access_token",
    real="https://api.instagram.com/oauth/access_token",
    sandboxed=_instagram_sandboxed,
)
# graph.instagram.com without a version: ig_exchange_token and ig_refresh_token live there.
INSTAGRAM_IG_TOKEN_BASE_URL = env_platform_url(
    "INSTAGRAM_IG_TOKEN_BASE_URL",
    sandbox=f"{SANDBOX_URL}/instagram/ig",
    real="https://graph.instagram.com",
    sandboxed=_instagram_sandboxed,
)
INSTAGRAM_OAUTH_SCOPES = env_str(
    "INSTAGRAM_OAUTH_SCOPES", "instagram_business_basic,instagram_business_content_publish"
)
INSTAGRAM_FACEBOOK_AUTHORIZE_URL = env_platform_url(
    "INSTAGRAM_FACEBOOK_AUTHORIZE_URL",
    sandbox=f"{SANDBOX_URL}/instagram-web/fb/v25.0/dialog/oauth",
    real="https://www.facebook.com/v25.0/dialog/oauth",
    sandboxed=_instagram_sandboxed,
)
INSTAGRAM_FACEBOOK_OAUTH_SCOPES = env_str(
    "INSTAGRAM_FACEBOOK_OAUTH_SCOPES",
    "instagram_basic,instagram_content_publish,instagram_manage_contents,pages_show_list,"
    "pages_read_engagement",
)

# --- Facebook
# Without a Facebook (Meta) app id, Facebook Pages go to the sandbox at SANDBOX_URL, as the other
# platforms do. Three hosts (PLATFORMS.md 0, 2.2): the Graph API, the video host that takes
# `/{page}/videos`, and rupload, where a Reel's file is handed over; the version is pinned.
FACEBOOK_CLIENT_ID = env_str("FACEBOOK_CLIENT_ID", "")
FACEBOOK_CLIENT_SECRET = env_str("FACEBOOK_CLIENT_SECRET", "")
_facebook_sandboxed = bool(SANDBOX_URL) and not FACEBOOK_CLIENT_ID
FACEBOOK_GRAPH_BASE_URL = env_platform_url(
    "FACEBOOK_GRAPH_BASE_URL",
    sandbox=f"{SANDBOX_URL}/facebook/v25.0",
    real="https://graph.facebook.com/v25.0",
    sandboxed=_facebook_sandboxed,
)
FACEBOOK_VIDEO_BASE_URL = env_platform_url(
    "FACEBOOK_VIDEO_BASE_URL",
    sandbox=f"{SANDBOX_URL}/facebook/video/v25.0",
    real="https://graph-video.facebook.com/v25.0",
    sandboxed=_facebook_sandboxed,
)
FACEBOOK_RUPLOAD_BASE_URL = env_platform_url(
    "FACEBOOK_RUPLOAD_BASE_URL",
    sandbox=f"{SANDBOX_URL}/facebook/rupload/video-upload/v25.0",
    real="https://rupload.facebook.com/video-upload/v25.0",
    sandboxed=_facebook_sandboxed,
)
# A video's status is polled from this interval, doubling up to 60 s, for at most the wait;
# then the attempt is retried later and polls the same video again.
FACEBOOK_VIDEO_POLL_SECONDS = env_float("FACEBOOK_VIDEO_POLL_SECONDS", 3.0)
FACEBOOK_VIDEO_WAIT_SECONDS = env_float("FACEBOOK_VIDEO_WAIT_SECONDS", 300.0)
# Connecting a Page: Facebook Login's dialog, and the permissions publishing needs
# (PLATFORMS.md 2.1); tokens and Pages come from FACEBOOK_GRAPH_BASE_URL.
FACEBOOK_AUTHORIZE_URL = env_platform_url(
    "FACEBOOK_AUTHORIZE_URL",
    sandbox=f"{SANDBOX_URL}/facebook-web/v25.0/dialog/oauth",
    real="https://www.facebook.com/v25.0/dialog/oauth",
    sandboxed=_facebook_sandboxed,
)
FACEBOOK_OAUTH_SCOPES = env_str(
    "FACEBOOK_OAUTH_SCOPES",
    "pages_show_list,pages_read_engagement,pages_manage_posts,publish_video",
)

# Media fetching: seconds to connect, and for the whole download of an image (redirects
# included, wall clock) so a server dripping bytes cannot hold a worker thread for long; past
# it the fetch fails as retryable. MEDIA_FETCH_TIMEOUT bounds each read within it. 30 s is
# enough for a 5 MB image at 170 kB/s, or the largest source the relay takes at 1.7 MB/s.
MEDIA_FETCH_CONNECT_TIMEOUT = env_float("MEDIA_FETCH_CONNECT_TIMEOUT", 5.0)
MEDIA_FETCH_DEADLINE = env_float("MEDIA_FETCH_DEADLINE", 30.0)
# X's videos and GIFs stream from their URL into X's chunked upload, which takes as long as
# the upload (X takes videos up to 512 MB): their own deadline, as YouTube's and TikTok's.
X_MEDIA_DEADLINE_SECONDS = env_float("X_MEDIA_DEADLINE_SECONDS", 900.0)

# Media probing (duration, size, codecs) against each platform's rules before a platform call:
# at request time (off with MEDIA_PROBE_AT_REQUEST=false) every video is probed in parallel
# within MEDIA_PROBE_REQUEST_BUDGET seconds, reading at most MEDIA_PROBE_MAX_BYTES each;
# what is not measured by then is probed by the worker before its first platform call.
MEDIA_PROBE_AT_REQUEST = env_bool("MEDIA_PROBE_AT_REQUEST", True)
MEDIA_PROBE_REQUEST_BUDGET = env_float("MEDIA_PROBE_REQUEST_BUDGET", 3.0)
MEDIA_PROBE_MAX_BYTES = env_int("MEDIA_PROBE_MAX_BYTES", 4 * 1024 * 1024)
MEDIA_PROBE_WORKER_DEADLINE = env_float("MEDIA_PROBE_WORKER_DEADLINE", 30.0)
MEDIA_PROBE_WORKER_MAX_BYTES = env_int("MEDIA_PROBE_WORKER_MAX_BYTES", 32 * 1024 * 1024)

# --- YouTube
# Without a Google client id, YouTube goes to the sandbox at SANDBOX_URL, as the other platforms
# do. One host serves uploads (/upload/youtube/v3/...) and the API (/youtube/v3/...): the
# discovery doc's rootUrl; www.googleapis.com, which PLATFORMS.md 6.2 shows, serves the same paths.
YOUTUBE_CLIENT_ID = env_str("YOUTUBE_CLIENT_ID", "")
YOUTUBE_CLIENT_SECRET = env_str("YOUTUBE_CLIENT_SECRET", "")
_youtube_sandboxed = bool(SANDBOX_URL) and not YOUTUBE_CLIENT_ID
YOUTUBE_API_BASE_URL = env_platform_url(
    "YOUTUBE_API_BASE_URL",
    sandbox=f"{SANDBOX_URL}/youtube",
    real="https://youtube.googleapis.com",
    sandboxed=_youtube_sandboxed,
)
# Where a video's page lives (watch?v= and shorts/), so the sandbox can serve them too.
YOUTUBE_WEB_BASE_URL = env_platform_url(
    "YOUTUBE_WEB_BASE_URL",
    sandbox=f"{SANDBOX_URL}/youtube-web",
    real="https://www.youtube.com",
    sandboxed=_youtube_sandboxed,
)
# Bytes per upload request, rounded down to Google's 256 KiB granule; the one buffer an upload
# holds, so a worker's memory grows by this much whatever the video's size.
YOUTUBE_UPLOAD_CHUNK_BYTES = env_int("YOUTUBE_UPLOAD_CHUNK_BYTES", 8 * 1024 * 1024)
# Reading the video from its URL while uploading it takes as long as the upload: far longer
# than MEDIA_FETCH_DEADLINE allows an image.
YOUTUBE_MEDIA_DEADLINE_SECONDS = env_float("YOUTUBE_MEDIA_DEADLINE_SECONDS", 6 * 3600.0)
# Whether Google has audited our API project: until then YouTube makes every upload private
# (PLATFORMS.md 6.3). Only what the accounts page tells merchants depends on it.
YOUTUBE_APP_AUDITED = env_bool("YOUTUBE_APP_AUDITED", False)

# --- TikTok
# Without a client key, TikTok goes to the sandbox at SANDBOX_URL, as the other platforms do.
# One host serves the API; upload URLs come back from video/init, so need no setting.
TIKTOK_CLIENT_KEY = env_str("TIKTOK_CLIENT_KEY", "")
TIKTOK_CLIENT_SECRET = env_str("TIKTOK_CLIENT_SECRET", "")
_tiktok_sandboxed = bool(SANDBOX_URL) and not TIKTOK_CLIENT_KEY
TIKTOK_API_BASE_URL = env_platform_url(
    "TIKTOK_API_BASE_URL",
    sandbox=f"{SANDBOX_URL}/tiktok",
    real="https://open.tiktokapis.com",
    sandboxed=_tiktok_sandboxed,
)
# Where a video's page lives (@user/video/id), so the sandbox can serve them too.
TIKTOK_WEB_BASE_URL = env_platform_url(
    "TIKTOK_WEB_BASE_URL",
    sandbox=f"{SANDBOX_URL}/tiktok-web",
    real="https://www.tiktok.com",
    sandboxed=_tiktok_sandboxed,
)
# Bytes per chunk, kept within TikTok's 5-64 MB; the last chunk may hold up to twice this, the
# one buffer an upload holds.
TIKTOK_UPLOAD_CHUNK_BYTES = env_int("TIKTOK_UPLOAD_CHUNK_BYTES", 10 * 1024 * 1024)
# status/fetch allows 30 calls a minute per token; past the wait the target retries later.
TIKTOK_STATUS_POLL_SECONDS = env_float("TIKTOK_STATUS_POLL_SECONDS", 5.0)
TIKTOK_STATUS_WAIT_SECONDS = env_float("TIKTOK_STATUS_WAIT_SECONDS", 300.0)
TIKTOK_MEDIA_DEADLINE_SECONDS = env_float("TIKTOK_MEDIA_DEADLINE_SECONDS", 6 * 3600.0)
# URL prefixes verified in TikTok's developer portal, from which TikTok pulls media itself
# (PULL_FROM_URL); the relay's prefix (MEDIA_PUBLIC_BASE_URL/media/relay/) always counts.
TIKTOK_VERIFIED_URL_PREFIXES = env_list("TIKTOK_VERIFIED_URL_PREFIXES", [])
# Whether TikTok has audited our app: until then it takes posts from private accounts only
# and shows them only to their creator (PLATFORMS.md 4.1). Only the accounts page's wording
# depends on it.
TIKTOK_APP_AUDITED = env_bool("TIKTOK_APP_AUDITED", False)

# --- Disconnecting accounts
# Google's OAuth host, where YouTube tokens are revoked (PLATFORMS.md 6.1); the other platforms
# revoke on their API hosts above. Revocation happens while the disconnect request waits, so it
# gets a short timeout of its own: past it, the account is disconnected anyway.
YOUTUBE_OAUTH_BASE_URL = env_platform_url(
    "YOUTUBE_OAUTH_BASE_URL",
    sandbox=f"{SANDBOX_URL}/youtube/oauth2",
    real="https://oauth2.googleapis.com",
    sandboxed=_youtube_sandboxed,
)
ACCOUNT_REVOKE_TIMEOUT_SECONDS = env_float("ACCOUNT_REVOKE_TIMEOUT_SECONDS", 10.0)

# Connecting YouTube (Google OAuth) and TikTok (Login Kit): see "Connecting accounts" above.
YOUTUBE_AUTHORIZE_URL = env_platform_url(
    "YOUTUBE_AUTHORIZE_URL",
    sandbox=f"{SANDBOX_URL}/youtube-web/o/oauth2/v2/auth",
    real="https://accounts.google.com/o/oauth2/v2/auth",
    sandboxed=_youtube_sandboxed,
)
YOUTUBE_TOKEN_URL = env_platform_url(
    "YOUTUBE_TOKEN_URL",
    sandbox=f"{SANDBOX_URL}/youtube/token",
    real="https://oauth2.googleapis.com/token",
    sandboxed=_youtube_sandboxed,
)
YOUTUBE_OAUTH_SCOPES = env_str(
    "YOUTUBE_OAUTH_SCOPES",
    "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.force-ssl",
)
TIKTOK_AUTHORIZE_URL = env_platform_url(
    "TIKTOK_AUTHORIZE_URL",
    sandbox=f"{SANDBOX_URL}/tiktok-web/v2/auth/authorize/",
    real="https://www.tiktok.com/v2/auth/authorize/",
    sandboxed=_tiktok_sandboxed,
)
TIKTOK_OAUTH_SCOPES = env_str("TIKTOK_OAUTH_SCOPES", "user.info.basic,video.publish")
