"""gridgov settings: one module, configured by environment variables.

Every variable is documented in `.env.example`. The defaults run the embedded
product: a SpatiaLite file under `var/` and the in-memory channel layer.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from maps.basemap import ATTRIBUTION_PREFIX as BASE_MAP_ATTRIBUTION_PREFIX
from maps.basemap import base_map

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    """The variable's value; unset and empty both mean the default."""
    return os.environ.get(name) or default


def envbool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envsecret(name, default=""):
    """Read NAME, or the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


DEBUG = envbool("DEBUG", True)

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
# Where people open the product: links printed by commands (a wall's address with its display token).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "accounts",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "core",
    "grid",
    "disputes",
    "assessment",
    "earlywarning",
    "maps",
    "realtime",
    "frontend",
    "ledgers",
    "supervision",
    "sms",
    "residents",
    "open311",
    "uploads",
    "desk",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "core.middleware.APIErrorShapeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.TemporaryPasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if not DEBUG:
    # Serves the collected static files in production (daphne serves none); a proxy may do it instead.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# spatialite:///path.sqlite3 (default) or postgis://user:pass@host:port/name
DATABASE_URL = env("DATABASE_URL", f"spatialite:///{BASE_DIR / 'var' / 'gridgov.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 0))}
# Under ASGI every request runs in its own thread, so persistent connections (CONN_MAX_AGE)
# pile up until PostgreSQL refuses more: use a pool per process instead (DB_POOL_MAX_SIZE).
if envint("DB_POOL_MAX_SIZE", 0) and DATABASES["default"]["ENGINE"] == "django.contrib.gis.db.backends.postgis":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": envint("DB_POOL_MIN_SIZE", 2),
        "max_size": envint("DB_POOL_MAX_SIZE", 0),
        "timeout": envint("DB_POOL_TIMEOUT", 10),
    }
if DATABASES["default"]["ENGINE"] == "django.contrib.gis.db.backends.postgis" and not envbool("DB_JIT", False):
    # PostgreSQL compiles a query it estimates as costly (JIT); the assessment's aggregates over a
    # year are such queries, and compiling took 0.2 s of a 0.45 s query (bench/assessment.py) —
    # more than it saved. The application's queries are short: no JIT unless DB_JIT=1.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.contrib.gis.db.backends.spatialite":
    # Several workers (server, simulator, sweeper, ASGI threads) write to one file. A transaction
    # that starts by reading and then writes cannot wait for the lock (SQLite answers "database
    # is locked" at once to avoid a deadlock), so every transaction takes the write lock when it
    # begins (IMMEDIATE) and waits up to SQLITE_BUSY_TIMEOUT seconds for it; WAL lets readers
    # go on while one writer writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": envint("SQLITE_BUSY_TIMEOUT", 20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
        }
    )
    # Tests use an in-memory database; saying so keeps pytest-xdist from deriving a file name per
    # worker from NAME (it knows only the plain sqlite3 engine as in-memory by default).
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Debian 12 ships GDAL 3.6, which cannot block file and network access from crafted
# spatial references (gis.W001). Only administrators feed files to GDAL here.
SILENCED_SYSTEM_CHECKS = envlist("SILENCED_SYSTEM_CHECKS", ["gis.W001"])

GDAL_LIBRARY_PATH = env("GDAL_LIBRARY_PATH") or None
GEOS_LIBRARY_PATH = env("GEOS_LIBRARY_PATH") or None
SPATIALITE_LIBRARY_PATH = env("SPATIALITE_LIBRARY_PATH", "mod_spatialite")

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # "pubsub" (Redis PUB/SUB: one publish per group, each worker fans out to its own sockets)
    # or "core" (a list per channel, with capacity and expiry). bench/realtime.py, 1,000 sockets:
    # pubsub 153 ms p50 and 5,464 messages/s, core 316 ms and 3,773/s with messages dropped over
    # capacity; the default is pubsub.
    REDIS_CHANNEL_LAYER = env("REDIS_CHANNEL_LAYER", "pubsub")
    # Installations (or test runs) sharing one Redis keep apart by prefix.
    CHANNEL_LAYER_PREFIX = env("CHANNEL_LAYER_PREFIX", "asgi")
    if REDIS_CHANNEL_LAYER == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
            }
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [REDIS_URL],
                    "prefix": CHANNEL_LAYER_PREFIX,
                    # A socket that falls this far behind loses messages; it catches up by sequence number.
                    "capacity": envint("REDIS_LAYER_CAPACITY", 1000),
                    "expiry": envint("REDIS_LAYER_EXPIRY", 60),
                },
            }
        }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache holds what every worker process must share, e.g. the throttles' counters: Redis in
# production (CACHE_URL, by default REDIS_URL), otherwise a table in the database (created by
# the migrations, core/migrations), so that counts survive restarts and hold across processes.
CACHE_URL = env("CACHE_URL", REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "gridgov",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gridgov_cache"}}

# Background work (exports now; SMS, scheduled analysis and summaries to come) runs on one job
# runner: django-tasks, the backport of Django 6's task API, with its database backend — no broker,
# the same on SpatiaLite and PostGIS; `manage.py db_worker` runs the tasks (./dev run starts one,
# docker/compose.yml has a worker service). TASKS_BACKEND=immediate runs each task in the process
# that queued it, at commit (for a one-process setup).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[env("TASKS_BACKEND", "database")],
        "QUEUES": ["default"],
    }
}

# Text messages (sms/): the sender, like Django's email backends — sms.backends.console.ConsoleBackend
# (the default: printed by the job runner), sms.backends.file.FileBackend (JSON lines in
# SMS_FILE_PATH) or sms.backends.tencent.TencentBackend (Tencent Cloud SMS, API 3.0). Messages
# are sent after commit on the job runner, retried with backoff up to SMS_MAX_ATTEMPTS times.
SMS_BACKEND = env("SMS_BACKEND", "sms.backends.console.ConsoleBackend")
SMS_FILE_PATH = Path(env("SMS_FILE_PATH", BASE_DIR / "var" / "sms.jsonl"))
SMS_TIMEOUT_SECONDS = envint("SMS_TIMEOUT_SECONDS", 10)
SMS_MAX_ATTEMPTS = envint("SMS_MAX_ATTEMPTS", 6)
SMS_RETRY_BASE_SECONDS = envint("SMS_RETRY_BASE_SECONDS", 30)
# The provider's id of each template (sms/templates.py), e.g. "case_received=1234567,case_closed=1234568".
SMS_TEMPLATE_IDS = dict(item.split("=", 1) for item in envlist("SMS_TEMPLATE_IDS", []) if "=" in item)
SMS_TENCENT_ENDPOINT = env("SMS_TENCENT_ENDPOINT", "https://sms.tencentcloudapi.com")
SMS_TENCENT_REGION = env("SMS_TENCENT_REGION", "ap-guangzhou")
SMS_TENCENT_SECRET_ID = envsecret("SMS_TENCENT_SECRET_ID")
SMS_TENCENT_SECRET_KEY = envsecret("SMS_TENCENT_SECRET_KEY")
SMS_TENCENT_APP_ID = env("SMS_TENCENT_APP_ID")
SMS_TENCENT_SIGN_NAME = env("SMS_TENCENT_SIGN_NAME")

# Every socket re-reads the event stream from the database at each heartbeat, so a lost live
# message arrives within one beat. The in-memory layer reaches no other process (the demo's
# simulator runs beside the server), so without Redis the beat is short.
REALTIME_HEARTBEAT_SECONDS = envint("REALTIME_HEARTBEAT_SECONDS", 25 if REDIS_URL else 3)
# Wall display tokens: how long one stays valid (seconds), and the ids of revoked ones.
REALTIME_DISPLAY_TOKEN_MAX_AGE = envint("REALTIME_DISPLAY_TOKEN_MAX_AGE", 365 * 24 * 3600)
REALTIME_REVOKED_DISPLAY_TOKENS = envlist("REALTIME_REVOKED_DISPLAY_TOKENS", [])

# The password policy: at least PASSWORD_MIN_LENGTH characters, of at least two kinds (letters,
# digits, other signs), not like the username or name, not a common or all-digit password.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassesValidator"},
]
# A phone's token expires after this many days without use (0: never); sign-out and an
# administrator revoke it at once.
TOKEN_IDLE_DAYS = envint("TOKEN_IDLE_DAYS", 30)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", BASE_DIR / "var" / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", BASE_DIR / "var" / "media"))

LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:home"

# Office hours for limits in working hours, e.g. "08:30-12:00,14:30-17:30".
# Further steps of each deadline sweeper pass (manage.py run_deadlines), as dotted paths of
# functions step(now, batch) -> {name: count}: supervision orders for breaches, 催办 of missed replies.
# The periodic steps of other apps, run after each pass of the deadline sweeper (run_deadlines):
# supervision orders of breaches and their 催办, text messages never taken, expired uploads.
DEADLINE_SWEEP_STEPS = ["supervision.services.sweep", "sms.services.sweep", "uploads.services.sweep"]
# Functions (case, stage, start) -> (amount, unit) or None that set a stage's time limit instead of
# the category's (disputes.workflow.core.case_stage_limit): a service matter's promised working days.
STAGE_LIMIT_HOOKS = ["desk.services.promised_limit"]

WORKING_HOURS = [tuple(period.split("-")) for period in envlist("WORKING_HOURS", ["08:30-12:00", "14:30-17:30"])]

# When a reported event may have happened: not before REPORT_EARLIEST_DATE (server time zone),
# and not later than now plus REPORT_CLOCK_SKEW_MINUTES, since phones' clocks drift.
REPORT_EARLIEST_DATE = datetime.date.fromisoformat(env("REPORT_EARLIEST_DATE", "2000-01-01"))
REPORT_CLOCK_SKEW_MINUTES = envint("REPORT_CLOCK_SKEW_MINUTES", 10)

# Photos from phones: size and pixel limits, and the shared copy's longest side.
PHOTO_MAX_BYTES = envint("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
PHOTO_MAX_PIXELS = envint("PHOTO_MAX_PIXELS", 40_000_000)
PHOTO_PUBLIC_MAX_SIDE = envint("PHOTO_PUBLIC_MAX_SIDE", 2048)
# Photos are served only to those who may see their case (GET /api/photos/<sha256>.jpg). Behind
# nginx, set this to the prefix of an `internal` location aliased to MEDIA_ROOT (e.g.
# /protected-media/): Django then answers with X-Accel-Redirect and nginx sends the file.
PHOTO_X_ACCEL_REDIRECT = env("PHOTO_X_ACCEL_REDIRECT")
# Resumable photo uploads (uploads/, the tus protocol): hours an unfinished upload may rest between two
# chunks before `manage.py clean_uploads` removes it and its bytes (under MEDIA_ROOT/uploads/partial/).
UPLOAD_EXPIRY_HOURS = envint("UPLOAD_EXPIRY_HOURS", 72)

# The mediation agreement's PDF embeds this TrueType font, subset (disputes/documents.py):
# a .ttf or .ttc file and, for a collection, the face's index. Default: AR PL UMing CN
# (Debian's fonts-arphic-uming).
PDF_FONT_FILE = env("PDF_FONT_FILE", "/usr/share/fonts/truetype/arphic/uming.ttc")
PDF_FONT_INDEX = envint("PDF_FONT_INDEX", 0)

# The reverse proxies in front of the app (addresses or networks, e.g. 127.0.0.1,172.16.0.0/12).
# X-Forwarded-For is believed only from these; empty: never, the peer's address is the client's.
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES", [])

if not DEBUG:
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.PhoneTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",  # the error responses every operation can give
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    # Residents look cases up without logging in: slow down guessing of verification codes.
    "DEFAULT_THROTTLE_RATES": {
        "resident": env("THROTTLE_RESIDENT", "60/hour"),
        "resident_case": env("THROTTLE_RESIDENT_CASE", "20/hour"),
        # The resident's face (/r/): codes sent and reports taken, per phone number and per address.
        "resident_code": env("THROTTLE_RESIDENT_CODE", "5/hour"),
        "resident_code_address": env("THROTTLE_RESIDENT_CODE_ADDRESS", "20/hour"),
        "resident_report": env("THROTTLE_RESIDENT_REPORT", "10/hour"),
        "resident_report_address": env("THROTTLE_RESIDENT_REPORT_ADDRESS", "30/hour"),
        "login": env("THROTTLE_LOGIN", "30/hour"),
        # Open311: reads (and wrong keys) per client address; posts per client application.
        "open311": env("THROTTLE_OPEN311", "600/hour"),
        "open311_client": env("THROTTLE_OPEN311_CLIENT", "5000/hour"),
        # Wrong passwords for one username, from anywhere: the name is locked until they age out.
        "login_failures": env("THROTTLE_LOGIN_FAILURES", "10/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gridgov API",
    "DESCRIPTION": "Grid-based social governance and dispute mediation.",
    "VERSION": "0.1.0",
    # Redoc and Swagger UI from the drf-spectacular-sidecar package, served with the static
    # files: an intranet reaches no CDN.
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The schema endpoint is drf-spectacular's own, not part of the API it describes.
    "SERVE_INCLUDE_SCHEMA": False,
    # Choice sets that share a field name get names of their own (`--fail-on-warn` stays clean).
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "disputes.lifecycle.CaseState",
        "ReportSourceEnum": "disputes.models.ReportSource",
        "MediationSourceEnum": "disputes.models.MediationSource",
        "ExportStateEnum": "ledgers.models.ExportState",
        "CaseKindEnum": "disputes.models.CaseKind",
        # The early warnings' choice sets share field names (kind, state) with the cases'.
        "WarningKindEnum": "earlywarning.models.WarningKind",
        "WarningStateEnum": "earlywarning.models.WarningState",
        "WarningActEnum": "earlywarning.models.ActKind",
        # And the supervision orders' (level, state, reason); their `level` meets the warnings'.
        "WarningLevelEnum": "earlywarning.models.Level",
        "OrderLevelEnum": "supervision.models.Level",
        "OrderStateEnum": "supervision.models.OrderState",
        "OrderReasonEnum": "supervision.models.Reason",
    },
}

# The background under every map (maps/basemap.py): none (the default: no tiles, nothing asked
# of any other site), tianditu-vector or tianditu-image (天地图 with the county's TIANDITU_KEY), or
# url (any tile server, e.g. the intranet's own: MAP_TILE_URL). Boundaries are stored in WGS 84;
# tiles must agree (Tianditu's CGCS2000 does; GCJ-02 tiles would be shifted ~500 m).
MAP_TILE_URL = env("MAP_TILE_URL")
MAP_TILE_SUBDOMAINS = env("MAP_TILE_SUBDOMAINS", "abc")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION")
TIANDITU_KEY = envsecret("TIANDITU_KEY")
# Without BASE_MAP, a configured MAP_TILE_URL keeps serving as before.
BASE_MAP = env("BASE_MAP", "url" if MAP_TILE_URL else "none")
BASE_MAP_LAYERS = base_map(
    BASE_MAP,
    tianditu_key=TIANDITU_KEY,
    tile_url=MAP_TILE_URL,
    tile_subdomains=MAP_TILE_SUBDOMAINS,
    tile_attribution=MAP_TILE_ATTRIBUTION,
)
# The most grid cells one GET /maps/cells.geojson may return (0: no limit); more is a 400 asking to zoom in.
MAPS_MAX_CELLS = envint("MAPS_MAX_CELLS", 5000)

# Point location (grid/location.py) answers from an in-memory STRtree of the cells, rebuilt when a
# cell changes; above LOCATE_IN_MEMORY_MAX_CELLS cells (or with LOCATE_IN_MEMORY=0) the database
# answers. bench/locate.py prints the index's memory: about 30 MB per 100,000 cells.
LOCATE_IN_MEMORY = envbool("LOCATE_IN_MEMORY", True)
LOCATE_IN_MEMORY_MAX_CELLS = envint("LOCATE_IN_MEMORY_MAX_CELLS", 200_000)

# A user's memberships are remembered per process (grid.jurisdiction.remembered) and forgotten when
# a member, their cells, a unit, a region or a cell changes; likewise a valid phone token with its
# user (accounts.tokens.remembered), forgotten when a token or a user changes. At most
# MEMBERS_REMEMBERED of each, each for at most MEMBERS_REMEMBERED_SECONDS (the bound for a change
# written by SQL, without signals).
MEMBERS_REMEMBERED = envint("MEMBERS_REMEMBERED", 10_000)
MEMBERS_REMEMBERED_SECONDS = envint("MEMBERS_REMEMBERED_SECONDS", 300)
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (41.9, 114.0),
    "DEFAULT_ZOOM": 9,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "TILES": BASE_MAP_LAYERS.leaflet_tiles(),
    "OVERLAYS": BASE_MAP_LAYERS.leaflet_overlays(),
    "ATTRIBUTION_PREFIX": BASE_MAP_ATTRIBUTION_PREFIX,
    # Turns the overlays (Tianditu's place names) on, on every django-leaflet map, the admin's too.
    "PLUGINS": {
        "basemap": {"js": ["frontend/basemap.js"], "auto-include": True},
        "forms": {"js": ["frontend/basemap.js"]},
    },
    "RESET_VIEW": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
