"""Settings, read strictly from the environment (see docs/configuration.md).

Local use: `DEBUG=true` (as `make run` sets) and keys are generated into var/ once.
Production (`DEBUG` unset or false): SECRET_KEY and MIGRA_ENCRYPTION_KEY (or their
`*_FILE` forms) must be given, or the program refuses to start.
"""

from __future__ import annotations

import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from migra.lib.env import Env, SettingError
from migra.lib.keys import (
    KeyMaterialError,
    check_secret_key,
    new_encryption_key,
    new_secret_key,
    parse_encryption_keys,
    read_or_create,
)

env = Env()
PACKAGE_DIR = Path(__file__).resolve().parents[2]
BASE_DIR = PACKAGE_DIR.parent


def _fail(message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Migra cannot start: {message}")


try:
    DEBUG = env.bool("DEBUG", default=False)
    VAR_DIR = Path(env.str("MIGRA_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()

    _secret_key = env.secret("SECRET_KEY")
    _encryption_key = env.secret("MIGRA_ENCRYPTION_KEY")
    if DEBUG:
        # Local use only: keys generated once into var/ and kept there.
        _secret_key = _secret_key or read_or_create(VAR_DIR / "secret_key", new_secret_key)
        _encryption_key = _encryption_key or read_or_create(
            VAR_DIR / "encryption_key", new_encryption_key
        )
    if not _secret_key:
        raise SettingError(
            "SECRET_KEY (or SECRET_KEY_FILE) is not set. With DEBUG off a real secret key "
            "is required; for local use set DEBUG=true."
        )
    if not _encryption_key:
        raise SettingError(
            "MIGRA_ENCRYPTION_KEY (or MIGRA_ENCRYPTION_KEY_FILE) is not set. With DEBUG off a "
            "real encryption key is required; create one with `migra keys generate`."
        )
    check_secret_key(_secret_key)
    MIGRA_ENCRYPTION_KEYS = parse_encryption_keys(_encryption_key)
    SECRET_KEY = _secret_key

    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
    )
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")
    _https = env.bool("MIGRA_HTTPS", default=not DEBUG)
    DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'migra.sqlite3'}")
    SESSION_IDLE_SECONDS = env.int("MIGRA_SESSION_IDLE_SECONDS", default=30 * 60, minimum=60)
    LOGIN_FAILURE_LIMIT = env.int("MIGRA_LOGIN_FAILURE_LIMIT", default=5, minimum=1)
    LOGIN_LOCKOUT_MINUTES = env.int("MIGRA_LOGIN_LOCKOUT_MINUTES", default=30, minimum=1)
    # How long a person's record is kept without their consent to keep it longer.
    MIGRA_PEOPLE_RETENTION_DAYS = env.int("MIGRA_PEOPLE_RETENTION_DAYS", default=3650, minimum=30)
    # Largest case attachment (photo of a document, a statement) accepted, in bytes.
    MIGRA_CASE_ATTACHMENT_MAX_BYTES = env.int(
        "MIGRA_CASE_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024, minimum=1024
    )
    # Largest photo accepted (outreach event photos; migra.media.photos), in bytes.
    MIGRA_MEDIA_PHOTO_MAX_BYTES = env.int(
        "MIGRA_MEDIA_PHOTO_MAX_BYTES", default=15 * 1024 * 1024, minimum=1024
    )
    # Largest sound recording and video sent to a story (migra/stories/media_services.py).
    MIGRA_MEDIA_AUDIO_MAX_BYTES = env.int(
        "MIGRA_MEDIA_AUDIO_MAX_BYTES", default=200 * 1024 * 1024, minimum=1024
    )
    MIGRA_MEDIA_VIDEO_MAX_BYTES = env.int(
        "MIGRA_MEDIA_VIDEO_MAX_BYTES", default=1024 * 1024 * 1024, minimum=1024
    )
    # Largest file of the public documents library (migra/documents/files.py).
    MIGRA_DOCUMENT_MAX_BYTES = env.int(
        "MIGRA_DOCUMENT_MAX_BYTES", default=50 * 1024 * 1024, minimum=1024
    )
    # The largest POST an ODK phone may send at once (the XML and the files in it); ODK
    # Collect splits bigger submissions over several posts, told by the server's
    # X-OpenRosa-Accept-Content-Length.
    MIGRA_ODK_MAX_POST_BYTES = env.int(
        "MIGRA_ODK_MAX_POST_BYTES", default=50 * 1024 * 1024, minimum=1024 * 1024
    )
    # Proxies in front that append to X-Forwarded-For (the public form's rate limit
    # counts per visitor address, which only they know).
    MIGRA_TRUSTED_PROXY_HOPS = env.int("MIGRA_TRUSTED_PROXY_HOPS", default=0, minimum=0)
    # Email (notifications, the daily digest): SMTP when EMAIL_HOST is set, otherwise
    # printed to the worker's console.
    EMAIL_HOST = env.str("EMAIL_HOST", default="")
    EMAIL_BACKEND = (
        "django.core.mail.backends.smtp.EmailBackend"
        if EMAIL_HOST
        else "django.core.mail.backends.console.EmailBackend"
    )
    EMAIL_PORT = env.int("EMAIL_PORT", default=587, minimum=1)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.secret("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_TIMEOUT = 30
    DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Migra <migra@localhost>")
    # The address people open Migra at, for links in emails.
    MIGRA_SITE_URL = env.str("MIGRA_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
    # The hour (Phnom Penh time) after which the daily digest goes out.
    MIGRA_DIGEST_HOUR = env.int("MIGRA_DIGEST_HOUR", default=7, minimum=0)
    if MIGRA_DIGEST_HOUR > 23:
        raise SettingError(f"MIGRA_DIGEST_HOUR must be 0 to 23, not {MIGRA_DIGEST_HOUR}.")
    # Posting published stories to the programme's Facebook Page (migra.sharing,
    # docs/sharing.md): off unless both the page id and its token are set.
    MIGRA_FACEBOOK_PAGE_ID = env.str("MIGRA_FACEBOOK_PAGE_ID", default="")
    MIGRA_FACEBOOK_PAGE_TOKEN = env.secret("MIGRA_FACEBOOK_PAGE_TOKEN") or ""
    MIGRA_FACEBOOK_GRAPH_URL = env.str(
        "MIGRA_FACEBOOK_GRAPH_URL", default="https://graph.facebook.com/v25.0"
    ).rstrip("/")
    if bool(MIGRA_FACEBOOK_PAGE_ID) != bool(MIGRA_FACEBOOK_PAGE_TOKEN):
        raise SettingError(
            "MIGRA_FACEBOOK_PAGE_ID and MIGRA_FACEBOOK_PAGE_TOKEN (or _FILE) go together: "
            "set both to post to the Facebook Page, or neither to leave it off."
        )
    if MIGRA_FACEBOOK_PAGE_ID and not (
        MIGRA_FACEBOOK_PAGE_ID.isascii() and MIGRA_FACEBOOK_PAGE_ID.isdigit()
    ):
        raise SettingError("MIGRA_FACEBOOK_PAGE_ID must be the Page's number (digits only).")
    if not re.fullmatch(
        r"https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~-]+)*"
        r"|http://(127\.0\.0\.1|localhost)(:[0-9]+)?(/[A-Za-z0-9._~-]+)*",
        MIGRA_FACEBOOK_GRAPH_URL,
    ):
        raise SettingError(
            "MIGRA_FACEBOOK_GRAPH_URL must be an https:// address such as "
            "https://graph.facebook.com/v25.0 (plain http only on this machine)."
        )
    if any(ch.isspace() or not ch.isprintable() for ch in MIGRA_FACEBOOK_PAGE_TOKEN):
        raise SettingError("MIGRA_FACEBOOK_PAGE_TOKEN must not contain spaces or line breaks.")
    # The programme's hotline, shown on the public "report a concern" page.
    MIGRA_HOTLINE_NUMBER = env.str("MIGRA_HOTLINE_NUMBER", default="")[:40]
    _ssl_redirect = env.bool("MIGRA_SSL_REDIRECT", default=True)
    LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
    if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise SettingError(
            f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}."
        )
except (SettingError, KeyMaterialError) as error:
    raise _fail(str(error)) from None

if not DEBUG and not ALLOWED_HOSTS:
    raise _fail("ALLOWED_HOSTS is empty. List the host names this server answers to.")

# --------------------------------------------------------------------------- apps
INSTALLED_APPS = [
    "migra.config.admin_site.MigraAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "migra.config",
    "migra.audit",
    "migra.accounts",
    "migra.places",
    "migra.programmes",
    "migra.site",
    "migra.search",
    "migra.people",
    "migra.screening",
    "migra.cases",
    "migra.outreach",
    "migra.community",
    "migra.stories",
    "migra.documents",
    "migra.sharing",
    "migra.collect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before everything that reads cookies or sessions: serves kept public pages.
    "migra.site.public_cache.PublicPageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "migra.accounts.middleware.IdleSessionMiddleware",
    "migra.config.middleware.LanguageMiddleware",
    "migra.config.display.DisplayPreferencesMiddleware",
    "migra.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "migra.config.urls"
WSGI_APPLICATION = "migra.config.wsgi.application"
ASGI_APPLICATION = "migra.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "migra.config.context_processors.navigation",
                "migra.cases.notifications.unread_notifications",
            ],
            "builtins": ["migra.config.templatetags.migra_tags"],
        },
    }
]

# --------------------------------------------------------------------------- data
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at
    # the start of a transaction, so two writers queue instead of failing midway.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;",
    }
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# One cache shared by every process (rate limits, the public form's duplicate guard):
# a database table, created by migration config 0003, so it needs no other server.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "migra_cache",
    },
    # Whole public pages for anonymous visitors (migra.site.public_cache), apart so
    # that their turnover never pushes out a rate limit. Table made by config 0004.
    "public_pages": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "migra_public_pages",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKER_HEARTBEAT_SECONDS = 15

MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_URL = "/static/"
# Site-wide static files (app.css, app.js, fonts); apps keep theirs in <app>/static/.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --------------------------------------------------------------------------- people who log in
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "migra.accounts.backends.EmailOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "migra.accounts.identifiers.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "migra.accounts.views.locked_out"
AXES_VERBOSE = False
# Lockout is per account, not per address: an NGO office shares one address behind
# NAT, and locking the address would lock out every colleague after one typist's errors.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

OTP_TOTP_ISSUER = "Migra"

SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
LANGUAGE_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https and _ssl_redirect
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _https else None
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --------------------------------------------------------------------------- language
LANGUAGE_CODE = "km"
LANGUAGES = [("km", _("Khmer")), ("en", _("English")), ("th", _("Thai"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Phnom_Penh"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "migra_language"

# --------------------------------------------------------------------------- API
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Migra API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}},
}
