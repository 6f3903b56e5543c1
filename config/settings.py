"""Carebook settings. Everything a deployment changes comes from the environment.

Defaults give the embedded demo: SQLite under ./var, DEBUG off unless asked for.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("CAREBOOK_DEBUG", default=False)
DEMO_SECRET_KEY = "insecure-local-demo-key-change-me-in-production-0123456789"
SECRET_KEY = env.str("CAREBOOK_SECRET_KEY", default=DEMO_SECRET_KEY)  # check --deploy warns while it is the demo's
ALLOWED_HOSTS = env.list("CAREBOOK_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CAREBOOK_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "django_q",
    "carebook.core",
    "carebook.audit_log",
    "carebook.access",
    "carebook.organisations",
    "carebook.substances",
    "carebook.people",
    "carebook.medication",
    "carebook.alerts",
    "carebook.notifications",
    "carebook.actions",
    "carebook.incidents",
    "carebook.reports",
    "carebook.audits",
    "carebook.evidence",
    "carebook.demo",
]

MIDDLEWARE = [
    "carebook.core.append_only.RefuseUnlockInRequestMiddleware",  # no request can unlock clinical tables (ADR 0005)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files are answered here, before no-store
    "carebook.core.web.NoStoreMiddleware",  # Cache-Control: no-store on everything else
    "carebook.core.web.ServiceErrorMiddleware",  # 413 for a body over the limit, 503 when the database is down
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "carebook.core.web.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "carebook" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carebook.core.context_processors.carebook",
                "carebook.alerts.context_processors.alerts_nav",
                "carebook.notifications.context_processors.notifications_nav",
                "carebook.incidents.context_processors.incidents_nav",
                "carebook.reports.context_processors.reports_nav",
                "carebook.audits.context_processors.audits_nav",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------
# SQLite is the embedded default. WAL with synchronous=FULL: with NORMAL a
# simulated power loss lost acknowledged commits (see ../shared/docs/stack.md).
# IMMEDIATE transactions avoid lock-upgrade deadlocks between writers.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'carebook.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CAREBOOK_CONN_MAX_AGE", default=60))
    if env.bool("CAREBOOK_PG_PREPARED", default=True):
        # Bind parameters on the server and let psycopg prepare a statement the fifth time a connection runs
        # it: PostgreSQL then stops parsing and planning the round's and the record's statements every time
        # (measured by make bench: PostgreSQL CPU per recorded dose less than half). ADR 0019.
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"

# --- Sign-in ----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, noting a switched-off account that typed its right password (carebook/access/backends.py).
    "carebook.access.backends.SignInBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "access:sign_in"
LOGIN_REDIRECT_URL = "home"
SESSION_COOKIE_AGE = env.int("CAREBOOK_SESSION_SECONDS", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("CAREBOOK_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- HTTPS (behind TLS: `manage.py check --deploy` then reports no warning; see README) ----------------
# HSTS: browsers refuse plain HTTP to this host for this many seconds. Start small; preload is hard to undo.
SECURE_HSTS_SECONDS = env.int("CAREBOOK_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("CAREBOOK_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("CAREBOOK_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env.bool("CAREBOOK_SSL_REDIRECT", default=False)
# Behind a proxy that ends TLS: the header it sets on HTTPS requests, e.g. "X-Forwarded-Proto: https".
# Set it only when the proxy always sets (or strips) that header, or clients could claim HTTPS.
_proxy_ssl_header = env.str("CAREBOOK_PROXY_SSL_HEADER", default="")
if _proxy_ssl_header:
    _name, _sep, _value = _proxy_ssl_header.partition(":")
    if not _sep or not _name.strip() or not _value.strip():
        raise ImproperlyConfigured(
            f"CAREBOOK_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https', not {_proxy_ssl_header!r}."
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _name.strip().upper().replace("-", "_"), _value.strip())

AXES_FAILURE_LIMIT = env.int("CAREBOOK_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# --- Time ---------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("CAREBOOK_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "carebook" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Content security policy ----------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"

# --- Background worker (django-q2, ORM broker: no extra server) -----------
Q_CLUSTER = {
    "name": "carebook",
    "workers": env.int("CAREBOOK_WORKERS", default=1),
    "timeout": 120,
    "retry": 300,
    "orm": "default",
    "catch_up": False,
    "sync": env.bool("CAREBOOK_Q_SYNC", default=False),
    # Keep each job's last 250 results (a schedule's group is its job's name), so the every-minute
    # job does not prune the others' history. When each job last ran is in core.JobStatus (ADR 0008).
    "save_limit_per": "group",
}

# --- Carebook -----------------------------------------------------------------
CAREBOOK = {
    # How far ahead due doses are generated (hours): at least two days, so a worker that is down over a
    # weekend night still leaves the next day's MAR slots in place.
    "DUE_DOSE_HORIZON_HOURS": env.int("CAREBOOK_DUE_DOSE_HORIZON_HOURS", default=72),
    # A record made more than this many minutes after the time the carer says the dose was given is a late entry.
    "LATE_ENTRY_MINUTES": 15,
    # A dose refused (or asleep) "will offer again" waits on the round until its window ends; set this to give every
    # such dose this many minutes after the refusal instead (rules.offer_again_until, ADR 0034).
    "OFFER_AGAIN_MINUTES": env.int("CAREBOOK_OFFER_AGAIN_MINUTES", default=None),
    # Wrong passwords for one witness within 15 minutes before that name cannot confirm a witness for a while.
    "WITNESS_FAILURE_LIMIT": env.int("CAREBOOK_WITNESS_FAILURE_LIMIT", default=5),
    # Personal API tokens stop working this many days after they are made.
    "API_TOKEN_DAYS": env.int("CAREBOOK_API_TOKEN_DAYS", default=90),
    # The address staff reach Carebook at: notification emails link to it (ADR 0028).
    "BASE_URL": env.str("CAREBOOK_BASE_URL", default="http://127.0.0.1:8000"),
}

# --- Email (notifications, ADR 0028) --------------------------------------------
# The console backend in the demo and in development (emails are printed by the worker); SMTP in production with
# CAREBOOK_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the settings below. Emails are sent by the
# worker's job notifications.send_email, never while a page or the API answers.
EMAIL_BACKEND = env.str("CAREBOOK_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("CAREBOOK_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("CAREBOOK_EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("CAREBOOK_EMAIL_USER", default="")
EMAIL_HOST_PASSWORD = env.str("CAREBOOK_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("CAREBOOK_EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = env.int("CAREBOOK_EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("CAREBOOK_EMAIL_FROM", default="Carebook <carebook@localhost>")
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="carebook-demo-2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("CAREBOOK_LOG_LEVEL", default="WARNING")},
}
