"""Settings for the IMH workforce toolkit, read from the environment.

Every value has a safe development default, so `make run` needs no configuration. A malformed
value stops start-up with a message naming the variable, rather than running half-configured.
The README's table of environment settings lists them all.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if any(" " in item for item in items):
        raise ImproperlyConfigured(f"{name} is a comma-separated list without spaces inside items.")
    return items


def env_text(name: str, default: str) -> str:
    """One line of text a person reads, such as an organisation's name."""
    value = os.environ.get(name, default).strip()
    if any(ord(character) < 32 for character in value):
        raise ImproperlyConfigured(f"{name} must be one line of text.")
    return value


def env_email(name: str, default: str) -> str:
    value = env_text(name, default)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ImproperlyConfigured(
                f"{name} must be an e-mail address, not {value!r}."
            ) from None
    return value


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries must start with https:// or http://, not {_origin!r}."
        )

INSTALLED_APPS = [
    # The admin site, behind the second step of signing in (imh_toolkit.admin).
    "imh_toolkit.apps.SecondFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_forms_gds",
    "simple_history",
    # Background work: django-tasks-db, the database backend and its worker (db_worker).
    "imh_toolkit.apps.BackgroundTasksConfig",
    "imh_toolkit.apps.LockoutsConfig",  # django-axes
    "django_otp",
    "imh_toolkit.apps.AuthenticatorAppsConfig",  # django-otp's TOTP devices
    "accounts",
    "checklists",
    "partnerships",
    "assessments",
    "reports",
    "imh_toolkit.apps.ImhToolkitConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above whitenoise, so static files carry the header too.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "imh_toolkit.logs.RequestContextMiddleware",
    "accounts.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.AbsoluteSessionLifetimeMiddleware",
    "accounts.two_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "imh_toolkit.urls"
WSGI_APPLICATION = "imh_toolkit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite in the project folder unless DATABASE_URL names another.
DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
_database_url = os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=env_int("CONN_MAX_AGE", 0))
except ValueError as error:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL we understand: {error}"
    ) from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers: take the write lock at BEGIN (no deadlock on upgrade), let readers
    # carry on during writes (WAL), and wait for a busy lock instead of failing at once.
    _database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so threaded tests share one database across connections.
    _database["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
elif _database["ENGINE"] == "django.db.backends.postgresql":
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # Parameters bound by the server rather than written into the SQL, so that the same
        # query has the same text every time: psycopg then prepares a statement once a
        # connection has run it five times, and PostgreSQL stops planning it on every request.
        # It pays with connections kept open (CONN_MAX_AGE). A pooler in transaction mode that
        # cannot keep prepared statements (PgBouncer before 1.21) needs this off.
        _database["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
else:
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// URL.")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The page chrome that holds nothing of anyone's (the footer, the timeout warning's wording) is
# rendered once per language and process: {% cache ... using="chrome" %} in templates/includes.
# Nothing else is cached. In development, editing a template empties it (imh_toolkit.apps).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "chrome": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "chrome",
        "TIMEOUT": None,
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lock out an e-mail address from one client address after repeated failed sign-ins.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.lockout.username_for_lockout"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
# Cleared only when the whole sign-in succeeds, second step included (accounts.two_factor):
# a right password must not reset the count of wrong codes.
AXES_RESET_ON_SUCCESS = False
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
# The pause runs from the lockout: attempts during it (right password or wrong) do not restart
# it, or anyone who knows a person's e-mail could keep them out for as long as they liked.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Behind PROXY_COUNT reverse proxies the client's address is that many entries from the end of
# X-Forwarded-For (accounts.lockout.client_address); never further left, which clients write.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
# Who must use a second factor (an authenticator app) when signing in: administrators ("staff"),
# partnership leads as well ("leads"), or everyone ("all"). Anyone who has set one up uses it.
REQUIRE_TWO_FACTOR = os.environ.get("REQUIRE_TWO_FACTOR", "staff").strip().lower()
if REQUIRE_TWO_FACTOR not in {"staff", "leads", "all"}:
    raise ImproperlyConfigured(
        f"REQUIRE_TWO_FACTOR must be staff, leads or all, not {REQUIRE_TWO_FACTOR!r}."
    )
OTP_TOTP_ISSUER = "IMH workforce toolkit"
AUTH_PASSWORD_VALIDATORS: list[dict[str, object]] = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "partnerships.passwords.ServiceAndPartnershipWordsValidator"},
]
# Optional: refuse passwords found in data breaches (Have I Been Pwned's range API; only five
# characters of a hash leave the server). Off by default: many NHS networks block the call.
BREACHED_PASSWORD_API = os.environ.get(
    "BREACHED_PASSWORD_API", "https://api.pwnedpasswords.com/range/"
)
if env_bool("BREACHED_PASSWORD_CHECK", False):
    AUTH_PASSWORD_VALIDATORS.append(
        {
            "NAME": "accounts.passwords.BreachedPasswordValidator",
            "OPTIONS": {"api_endpoint": BREACHED_PASSWORD_API},
        }
    )
PWNED_PASSWORDS = {"API_TIMEOUT": 2.0}
# A password reset link works for an hour (Django's default is three days). At most this many
# links an hour are sent for one address, and for one client address (accounts.models).
PASSWORD_RESET_TIMEOUT = 60 * 60
PASSWORD_RESET_LIMIT_PER_EMAIL = env_int("PASSWORD_RESET_LIMIT_PER_EMAIL", 3, minimum=1)
PASSWORD_RESET_LIMIT_PER_CLIENT = env_int("PASSWORD_RESET_LIMIT_PER_CLIENT", 20, minimum=1)
# An invitation's link works once, for this many days after it is sent (partnerships.models).
INVITATION_DAYS = env_int("INVITATION_DAYS", 14, minimum=1)
# How long sign-in records (failed attempts, lockouts, the access log) are kept: the
# clean_up_records command, run daily, deletes older ones.
RECORD_RETENTION_DAYS = env_int("RECORD_RETENTION_DAYS", 90, minimum=1)

# Who runs this installation, for the help, accessibility, privacy and cookies pages (and the
# data controller in the privacy notice). `make run` shows a fictional council; in production
# `manage.py check --deploy` warns until they are set.
OPERATOR_NAME = env_text("OPERATOR_NAME", "Riverside Borough Council (demo)" if DEBUG else "")
OPERATOR_EMAIL = env_email("OPERATOR_EMAIL", "imh-toolkit@riverside.example" if DEBUG else "")
OPERATOR_PHONE = env_text("OPERATOR_PHONE", "")
# Where people send requests about their data; the operator's address when not set.
DATA_PROTECTION_EMAIL = env_email("DATA_PROTECTION_EMAIL", "") or OPERATOR_EMAIL
PRIVACY_LAWFUL_BASIS = env_text(
    "PRIVACY_LAWFUL_BASIS",
    "performing a task in the public interest (UK GDPR Article 6(1)(e))",
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "assessments:home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after this much idle time: a request pushes the expiry on, writing the session
# at most every few seconds (accounts.middleware.IdleSessionMiddleware), so a session ends
# between SESSION_REFRESH_SECONDS before the idle time after the last request, and that time.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 60, minimum=1) * 60
SESSION_REFRESH_SECONDS = 5
# However active, a person signs in again this long after signing in
# (accounts.middleware.AbsoluteSessionLifetimeMiddleware).
SESSION_MAX_SECONDS = env_int("SESSION_MAX_HOURS", 10, minimum=1) * 60 * 60
# Pages warn this long before either limit ends the session, with the choice to stay signed in
# (accounts.session_time, static/js/timeout.mjs).
SESSION_WARNING_SECONDS = 120
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
# English only for now; every string is written to be translated (Welsh is planned). A language
# is added here and in locale/ (makemessages, compilemessages).
LANGUAGES = [("en-gb", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development whitenoise serves straight from static/; in production from collectstatic's output.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Rendered board papers are kept, the latest per round and filter, in the database (the
# default: nothing to set up, every machine sees them) or as files in the default storage above
# ("storage": local disk, or an object store shared by several machines).
REPORT_FILES = env_text("REPORT_FILES", "database").lower()
if REPORT_FILES not in {"database", "storage"}:
    raise ImproperlyConfigured(f"REPORT_FILES must be database or storage, not {REPORT_FILES!r}.")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")

# E-mail: through an SMTP server or GOV.UK Notify (EMAIL_SERVICE), else printed to the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
# A malformed port stops start-up whatever the service.
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_SERVICE = env_text("EMAIL_SERVICE", "smtp" if EMAIL_HOST else "console").lower()
if EMAIL_SERVICE == "smtp":
    if not EMAIL_HOST:
        raise ImproperlyConfigured("EMAIL_SERVICE=smtp needs EMAIL_HOST, the SMTP server.")
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": EMAIL_PORT,
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 20,
            },
        }
    }
elif EMAIL_SERVICE == "notify":
    _notify = {
        "api_key": env_text("NOTIFY_API_KEY", ""),
        "template_id": env_text("NOTIFY_TEMPLATE_ID", ""),
        "base_url": env_text("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
    }
    if not (_notify["api_key"] and _notify["template_id"]):
        raise ImproperlyConfigured(
            "EMAIL_SERVICE=notify needs NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID (README, E-mail)."
        )
    if len(_notify["api_key"]) < 74:
        raise ImproperlyConfigured(
            "NOTIFY_API_KEY must be a whole GOV.UK Notify API key, which ends with the "
            "service id and the secret."
        )
    MAILERS = {"default": {"BACKEND": "accounts.emails.NotifyBackend", "OPTIONS": _notify}}
elif EMAIL_SERVICE == "console":
    MAILERS = {"default": {"BACKEND": "accounts.emails.ReadableConsoleBackend"}}
else:
    raise ImproperlyConfigured(
        f"EMAIL_SERVICE must be smtp, notify or console, not {EMAIL_SERVICE!r}."
    )
del EMAIL_HOST, EMAIL_PORT
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "IMH workforce toolkit <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The service's address as people reach it, for the links written out in e-mails: a worker
# sending them has no request to take it from.
SITE_URL = env_text("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if SITE_URL and (
    not SITE_URL.startswith(("http://", "https://")) or "/" in SITE_URL.split("://", 1)[1]
):
    raise ImproperlyConfigured(
        f"SITE_URL must be the service's origin, such as https://toolkit.example.org, not "
        f"{SITE_URL!r}."
    )

# Background work (e-mails): Django's Tasks framework. Tasks are kept in the database and run
# by `manage.py db_worker` (django-tasks-db), so a web request never waits on a mail server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Our pages load scripts and styles only from our own static files; the one inline script
# (GOV.UK Frontend's js-enabled class) carries the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# The service uses none of the browser's powerful features: switch them all off.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    )
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are sent only over HTTPS, to this host, for every path: no subdomain or
    # plain-HTTP page can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The level on the handler too: Django's own loggers pass their records up to it whatever
    # the root logger's level, so only this makes LOG_LEVEL=ERROR quiet them.
    "filters": {"request": {"()": "imh_toolkit.logs.RequestContextFilter"}},
    "formatters": {"line": {"()": "imh_toolkit.logs.UTCFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "level": LOG_LEVEL,
            "filters": ["request"],
            "formatter": "line",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own console handler would print its messages a second time, unformatted,
        # while DEBUG is on: ours prints them once.
        "django": {"handlers": []},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "weasyprint.progress": {"level": "ERROR"},
    },
}
