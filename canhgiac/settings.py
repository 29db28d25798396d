"""Settings for Cảnh Giác. Everything comes from environment variables, with defaults that run.

CANHGIAC_DEBUG          1 for local development (default 0: production behaviour)
CANHGIAC_SECRET_KEY     the secret key; or CANHGIAC_SECRET_KEY_FILE (default var/secret_key)
CANHGIAC_ALLOWED_HOSTS  comma-separated host names (default: localhost names)
CANHGIAC_HTTPS          1 when served over HTTPS (default: 1 unless DEBUG): secure cookies, HSTS
DATABASE_URL            e.g. postgres://user:pass@host/db (default: SQLite in var/)
REDIS_URL               shared cache for many machines (default: database cache)
CANHGIAC_EMAIL_HOST / CANHGIAC_EMAIL_PORT / CANHGIAC_DEFAULT_FROM_EMAIL  outgoing mail
CANHGIAC_CREDENTIALS_KEY  Fernet key(s) for the Zalo and Facebook credentials and the drills'
                        SMTP passwords (default: from SECRET_KEY)
CANHGIAC_DRILLS_ALLOWED_MAIL_DOMAINS  the mail domains phishing drills may reach (default: none)
CANHGIAC_DRILLS_CONTACT_ADDRESS / CANHGIAC_DRILLS_REPORT_ADDRESS  named in drill mails; reports
CANHGIAC_ZALO_API_BASE / CANHGIAC_ZALO_OAUTH_BASE / CANHGIAC_FACEBOOK_GRAPH_BASE  channel APIs
CANHGIAC_INDEX_OVERLAY_MAX_CHANGES  list changes applied to the index before it is rebuilt (50000)
CANHGIAC_INDEX_SNAPSHOT_DIR  a folder for the index's shared, memory-mapped file (default: none)
CANHGIAC_BENCH_FLOOR    1: route /api/bench-floor, a fixed answer bench/lookup.py times (default 0)
CANHGIAC_TIPLINE_ATTACHMENT_HOSTS  hosts (https) the tipline downloads images from, or whole
                        base addresses (default: Zalo's CDN hosts)
CANHGIAC_TIPLINE_WEBHOOK_MAX_SKEW  seconds a signed tipline event may be early or late (600)
CANHGIAC_TIPLINE_BRIDGE_ALLOW_HTTP  1 to let a bridge's callback use plain http (default 0)
CANHGIAC_TIPLINE_PERSON_PER_MINUTE  messages the tipline takes from one person a minute (30)
"""

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from lib.env import env_bool, env_int, env_list, env_str, secret_key

# Generic admin and form classes at run time (`admin.ModelAdmin[Unit]`), as mypy sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CANHGIAC_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("CANHGIAC_DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("CANHGIAC_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
HTTPS = env_bool("CANHGIAC_HTTPS", not DEBUG)
# The public address, for links in mail and feeds (no trailing slash).
SITE_URL = env_str("CANHGIAC_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "template_partials",
    "treebeard",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    # Before django_tasks_db: our `db_worker` (with heartbeats) replaces theirs.
    "canhgiac",
    "django_tasks",
    "django_tasks_db",
    "orgs",
    "indicators",
    "reports",
    "lookup",
    "detection",
    "training",
    "bulletins",
    "drills",
    "dashboard",
    "tipline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lib.middleware.refuse_control_characters",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "canhgiac.middleware.language_middleware",
    "canhgiac.middleware.api_json_errors",
    # Before anything reads the body: a body larger than its URL takes is refused (413).
    "canhgiac.middleware.limit_request_size",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "canhgiac.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "canhgiac.middleware.CachedCSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "canhgiac.urls"
WSGI_APPLICATION = "canhgiac.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default (one machine, zero set-up); PostgreSQL when DATABASE_URL is set.
SQLITE_PATH = VAR_DIR / "canhgiac.sqlite3"
if env_str("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL"), conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            # Django's, with writers taking turns on a lock file (canhgiac/sqlite/base.py).
            "ENGINE": "canhgiac.sqlite",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait
                # (busy timeout) instead of failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": ""},
            # Keep the connection (and its PRAGMAs) between requests of a worker.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared by every worker process) -------------------------------------------------
CACHES: dict[str, dict[str, object]]
if env_str("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "canhgiac_cache",
            # Past MAX_ENTRIES rows a write deletes the expired rows, then a third of the others
            # (Django's default is 300): rate-limit counts and one-time nonces would be forgotten
            # in a busy minute. Each write counts the rows: under 1 ms for 20,000 on PostgreSQL.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# Single and batch checks also run the look-alike scorer (lookup/lookalikes.py); off only to
# measure what it costs (bench/lookup.py).
LOOKUP_LOOKALIKES = env_bool("CANHGIAC_LOOKUP_LOOKALIKES", True)

# A bare endpoint that answers fixed JSON through the whole middleware (canhgiac.views.bench_floor)
# for bench/lookup.py to time next to the check API: what Django, gunicorn and the network cost
# by themselves. Off, the route does not exist.
BENCH_FLOOR_ENDPOINT = env_bool("CANHGIAC_BENCH_FLOOR", False)

# The list index (indicators/matcher.py): changes since the base are applied to an overlay; past
# this many the base is rebuilt. With a folder, the base is written there as a file that every
# worker of the machine maps read-only (indicators/snapshot.py); empty: each builds its own.
INDEX_OVERLAY_MAX_CHANGES = env_int("CANHGIAC_INDEX_OVERLAY_MAX_CHANGES", 50_000)
INDEX_SNAPSHOT_DIR = env_str("CANHGIAC_INDEX_SNAPSHOT_DIR", "")

# --- Background tasks -----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A RUNNING task whose worker has not beaten for this many seconds is put back in the queue
# (canhgiac/workers.py); after TASK_MAX_ATTEMPTS dead workers it is marked failed instead.
TASK_WORKER_TIMEOUT = env_int("CANHGIAC_TASK_WORKER_TIMEOUT", 60)
TASK_MAX_ATTEMPTS = env_int("CANHGIAC_TASK_MAX_ATTEMPTS", 3)

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "orgs.lockout.AccountThrottleBackend",  # per account, across addresses
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: lock an account (per user name and address) after repeated failures.
AXES_FAILURE_LIMIT = env_int("CANHGIAC_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("CANHGIAC_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "lib.proxies.client_address"
# Per account, from every address (orgs/lockout.py): past SIGNIN_ACCOUNT_FAILURE_LIMIT failures
# (none more than the window apart) unknown browsers wait a delay that doubles from
# SIGNIN_ACCOUNT_DELAY_SECONDS up to SIGNIN_ACCOUNT_MAX_DELAY_MINUTES; the person's own browsers
# (a signed cookie, kept SIGNIN_KNOWN_DEVICE_DAYS) and recent addresses do not wait.
SIGNIN_ACCOUNT_FAILURE_LIMIT = env_int("CANHGIAC_ACCOUNT_FAILURE_LIMIT", 20)
SIGNIN_ACCOUNT_WINDOW_MINUTES = env_int("CANHGIAC_ACCOUNT_FAILURE_WINDOW_MINUTES", 60)
SIGNIN_ACCOUNT_DELAY_SECONDS = env_int("CANHGIAC_ACCOUNT_DELAY_SECONDS", 60)
SIGNIN_ACCOUNT_MAX_DELAY_MINUTES = env_int("CANHGIAC_ACCOUNT_MAX_DELAY_MINUTES", 15)
SIGNIN_KNOWN_DEVICE_DAYS = env_int("CANHGIAC_KNOWN_DEVICE_DAYS", 90)

OTP_TOTP_ISSUER = "Cảnh Giác"

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CANHGIAC_CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies (addresses or networks, e.g. 127.0.0.1,10.0.0.0/24) whose X-Forwarded-For is
# believed: rate limits and lock-outs then count the client, not the proxy (lib/proxies.py).
TRUSTED_PROXIES = env_list("CANHGIAC_TRUSTED_PROXIES", [])
# The most Django reads into memory (JSON, form text): the reports API's JSON, which carries up
# to 5 evidence files of 5 MB in base64 (4/3 larger) and the text. Each URL's own, smaller cap
# (REQUEST_MAX_BYTES, 1 MB by default) is applied before the body is read: canhgiac.middleware.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * ((5 * 1024 * 1024 + 2) // 3 * 4) + 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "lib.storage.StaticStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = DEBUG

# --- Mail -----------------------------------------------------------------------------------
EMAIL_HOST = env_str("CANHGIAC_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CANHGIAC_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("CANHGIAC_DEFAULT_FROM_EMAIL", "canhgiac@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Bulletin channels (bulletins/channels/) ------------------------------------------------
# Channel credentials are stored encrypted with these Fernet keys (comma-separated, the first
# encrypts, all decrypt: rotation); without them a key is derived from SECRET_KEY.
CANHGIAC_CREDENTIALS_KEY = env_str("CANHGIAC_CREDENTIALS_KEY", "")
# The APIs' addresses: the tests point them at local servers that speak the same shapes.
ZALO_API_BASE = env_str("CANHGIAC_ZALO_API_BASE", "https://openapi.zalo.me")
ZALO_OAUTH_BASE = env_str("CANHGIAC_ZALO_OAUTH_BASE", "https://oauth.zaloapp.com")
FACEBOOK_GRAPH_BASE = env_str("CANHGIAC_FACEBOOK_GRAPH_BASE", "https://graph.facebook.com")
FACEBOOK_GRAPH_VERSION = env_str("CANHGIAC_FACEBOOK_GRAPH_VERSION", "v23.0")
BULLETINS_FROM_EMAIL = env_str("CANHGIAC_BULLETINS_FROM_EMAIL", DEFAULT_FROM_EMAIL)
# Phishing drills: the organisation's own mail domains (a drill reaches no other address; none
# named, no drill reaches anyone), the contact every drill mail names, and the address that
# `manage.py drill_report_receiver` receives forwarded drill mails at.
DRILLS_ALLOWED_MAIL_DOMAINS = env_list("CANHGIAC_DRILLS_ALLOWED_MAIL_DOMAINS", [])
DRILLS_CONTACT_ADDRESS = env_str("CANHGIAC_DRILLS_CONTACT_ADDRESS", DEFAULT_FROM_EMAIL)
DRILLS_REPORT_ADDRESS = env_str("CANHGIAC_DRILLS_REPORT_ADDRESS", "")

# --- Tipline (tipline/: the Zalo OA chat and the partners' bridges) ----------------------------
TIPLINE_ATTACHMENT_HOSTS = env_list(
    "CANHGIAC_TIPLINE_ATTACHMENT_HOSTS", ["zdn.vn", "zadn.vn", "zalo.me", "zaloapp.com"]
)
TIPLINE_WEBHOOK_MAX_SKEW_SECONDS = env_int("CANHGIAC_TIPLINE_WEBHOOK_MAX_SKEW", 600)
TIPLINE_BRIDGE_ALLOW_HTTP = env_bool("CANHGIAC_TIPLINE_BRIDGE_ALLOW_HTTP", False)
# The other TIPLINE_* settings (text and image limits, Zalo's interaction window, attempts,
# timeouts) are read with their defaults in tipline/ (set one here to change it).
# Messages taken from one person a minute (a flood from one account is dropped).
TIPLINE_PERSON_PER_MINUTE = env_int("CANHGIAC_TIPLINE_PERSON_PER_MINUTE", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Times in TIME_ZONE (Django sets the process's TZ to it) with the offset written out, as
    # gunicorn's own lines (canhgiac/gunicorn_conf.py): one zone in the whole log.
    "formatters": {
        "stamped": {
            "format": "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            "datefmt": "%Y-%m-%d %H:%M:%S %z",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "stamped"}},
    "root": {"handlers": ["console"], "level": env_str("CANHGIAC_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
