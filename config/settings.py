"""Settings for the timeline & claims tracker, all read from the environment.

Local defaults are safe for a developer's machine (SQLite file, DEBUG off unless asked);
production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and DJANGO_ENV=production.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from corsheaders.defaults import default_headers as default_cors_headers
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("DJANGO_ENV", "local") == "production"
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production")
    # Local only: a fixed, obviously-insecure key so sessions survive restarts.
    SECRET_KEY = "django-insecure-local-development-key-not-for-production"

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "simple_history",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.api.limits.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the request into its answer.
    "axes.middleware.AxesMiddleware",
]

# Failed admin sign-ins and bad API tokens (tracker/lockouts.py): axes checks every sign-in
# before Django's own backend does.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite file by default (the embedded database of `make run`); DATABASE_URL switches it,
# e.g. postgres://postgres@127.0.0.1:5432/test.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{os.environ.get('SQLITE_PATH', BASE_DIR / 'var' / 'db.sqlite3')}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# The embedded SQLite database under a multi-process server (gunicorn workers): every write
# transaction starts with BEGIN IMMEDIATE, so it takes the write lock before it reads anything
# (an If-Match check and its write happen under one lock, and a transaction never has to upgrade
# a read lock, which SQLite answers with "database is locked" at once, whatever the timeout);
# writers that find the lock taken wait up to SQLITE_TIMEOUT seconds for it. WAL lets readers
# go on while one writer writes; synchronous=NORMAL is durable across a crash of the process
# (WAL mode), and the busy timeout also covers the connection's first statements.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    SQLITE_TIMEOUT = float(os.environ.get("SQLITE_TIMEOUT", "20"))
    # Each connection's page cache, in KiB (SQLite's default is 2,000): a search reads the rows
    # of its matches, thousands of pages of a large record, which a small cache reads again
    # from the operating system on every request (a search of 5,000 claims among a million:
    # 19 ms of SQL with the default, 14 ms with 64 MiB; docs/benchmarks.md). Pages are cached
    # as they are read, so a small database never fills it.
    SQLITE_CACHE_KIB = int(os.environ.get("SQLITE_CACHE_KIB", "65536"))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=SQLITE_TIMEOUT,
        init_command=(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={int(SQLITE_TIMEOUT * 1000)}; "
            f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}"
        ),
    )
# Production on PostgreSQL: persistent connections (CONN_MAX_AGE, above) by default, or a
# psycopg 3 connection pool per process with DATABASE_POOL=1 (then CONN_MAX_AGE must be 0).
if env_bool("DATABASE_POOL") and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "10")),
    }
# PostgreSQL binds query parameters itself and plans a statement that a connection runs again
# and again once (psycopg prepares it on its 6th run; Django leaves preparing off by default): a
# page of events runs the same eight queries every time, and planning them was a noticeable part
# of each request (docs/benchmarks.md). DATABASE_PREPARED=0 turns this off, e.g. behind
# PgBouncer in transaction mode without max_prepared_statements.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env_bool("DATABASE_PREPARED", True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
# Each connection names the app server in pg_stat_activity (application_name), so the
# databases themselves show which server reads and writes where.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = os.environ.get(
        "DATABASE_APPLICATION_NAME", "tracker"
    )
# A read replica: reads go to it, writes and migrations to the primary (config/routers.py); a
# user who wrote reads from the primary until the replica has replayed the write, and reads
# fall back to the primary while the replica is down (tracker/replication.py). Seconds: how
# long a connection attempt to the replica may take, how long a failed replica is left alone
# before it is tried again, and how long a write's position is kept at most.
DATABASE_REPLICA_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_REPLICA_CONNECT_TIMEOUT", "2"))
DATABASE_REPLICA_RETRY = float(os.environ.get("DATABASE_REPLICA_RETRY", "5"))
READ_YOUR_WRITES_TIMEOUT = int(os.environ.get("READ_YOUR_WRITES_TIMEOUT", "300"))
# A read with as_of reads the record's tables from that moment's snapshot (tracker/as_of.py):
# an SQLite database built from history, in a temporary directory under AS_OF_DIRECTORY (the
# system's by default), of which each process keeps the AS_OF_SNAPSHOTS last used. An answer
# about a moment at least AS_OF_SETTLED seconds ago is cacheable forever (immutable); a later
# one only for API_CACHE_MAX_AGE, since a write begun before it may still commit.
DATABASE_ROUTERS = ["config.routers.AsOfRouter"]
AS_OF_DIRECTORY = os.environ.get("AS_OF_DIRECTORY", "")
AS_OF_SNAPSHOTS = int(os.environ.get("AS_OF_SNAPSHOTS", "8"))
AS_OF_SETTLED = int(os.environ.get("AS_OF_SETTLED", "60"))
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **dj_database_url.parse(
            os.environ["DATABASE_REPLICA_URL"],
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=True,
        ),
        "OPTIONS": {
            **DATABASES["default"].get("OPTIONS", {}),
            "connect_timeout": DATABASE_REPLICA_CONNECT_TIMEOUT,
        },
        "TEST": {"MIRROR": "default"},  # tests see one database
    }
    DATABASE_ROUTERS.append("config.routers.PrimaryReplicaRouter")
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "tracker.replication.ReplicationMiddleware",
    )
# Django's PostgreSQL backend, whose health check of a persistent connection costs no round trip
# while the connection is idle and silent (config/postgresql/base.py).
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database["ENGINE"] = "config.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Two caches. "default" holds the throttling counters and the read-your-writes positions;
# "records" holds answers computed from the record (whole responses, the stats' rows:
# tracker/api/record_cache.py), each keyed by the record version, so a write makes them
# unreachable at once. Both are the memory of one process by default, which suits a developer's
# machine; in production, where several gunicorn workers must share the counts (and may share the
# answers), set REDIS_URL (e.g. redis://127.0.0.1:6379/0). While Redis cannot be reached each
# cache is the process's memory, with a log line (tracker/caches.py), and Redis is tried again
# every REDIS_RETRY seconds. RECORD_CACHE_ENTRIES bounds the memory cache of each process (an
# events page of 50 is about half a megabyte); entries expire after RECORD_CACHE_TIMEOUT seconds.
RECORD_CACHE_TIMEOUT = int(os.environ.get("RECORD_CACHE_TIMEOUT", "3600"))
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "tracker.caches.FallbackRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "OPTIONS": {"retry": float(os.environ.get("REDIS_RETRY", "5"))},
        },
        "records": {
            "BACKEND": "tracker.caches.FallbackRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "records",
            "OPTIONS": {"retry": float(os.environ.get("REDIS_RETRY", "5"))},
            "TIMEOUT": RECORD_CACHE_TIMEOUT,
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "records": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "records",
            "TIMEOUT": RECORD_CACHE_TIMEOUT,
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("RECORD_CACHE_ENTRIES", "300"))},
        },
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Browser libraries from npm (vendor/package.json; `make install` runs npm ci there), served as
# static files like the project's own, never from a CDN: TimelineJS3 for /embed/timeline/,
# Leaflet for the timeline page's map.
TIMELINEJS_DIST = BASE_DIR / "vendor" / "node_modules" / "@knight-lab" / "timelinejs" / "dist"
LEAFLET_DIST = BASE_DIR / "vendor" / "node_modules" / "leaflet" / "dist"
STATICFILES_DIRS = [
    (prefix, path)
    for prefix, path in [("timelinejs", TIMELINEJS_DIST), ("leaflet", LEAFLET_DIST)]
    if path.is_dir()
]
# The timeline page's map: a tile URL template ("https://tiles.example.org/{z}/{x}/{y}.png")
# and its attribution. Empty by default: the markers are drawn on a plain background and the
# page fetches nothing from anywhere else. When set, its origin is added to img-src below.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
# Who may frame /embed/timeline/ (CSP frame-ancestors; every other page refuses any frame).
EMBED_FRAME_ANCESTORS = os.environ.get("EMBED_FRAME_ANCESTORS", "*")

FIXTURE_DIRS = [BASE_DIR / "fixtures"]
# dumpdata/loaddata JSON that keeps timestamps whole (Django's cuts them to the millisecond).
SERIALIZATION_MODULES = {"json": "tracker.serialization"}

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"
    ],
    # Scripts send "Authorization: Token <key>"; the browser (admin, browsable API) its session,
    # with CSRF. Token first, so an anonymous write is a 401 that says which scheme to use.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_FILTER_BACKENDS": ["tracker.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "tracker.api.exceptions.exception_handler",
    # JSON nested deeper than MAX_JSON_DEPTH is a 400 (tracker/api/parsers.py); forms are
    # for the browsable API.
    "DEFAULT_PARSER_CLASSES": [
        "tracker.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tracker.api.negotiation.ContentNegotiation",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "tracker.api.renderers.ORJSONRenderer",
        "tracker.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "tracker.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": [
        "tracker.api.throttling.AnonRateThrottle",
        "tracker.api.throttling.UserRateThrottle",
    ],
    # Proxies in front of the app that append to X-Forwarded-For (1 behind one load balancer);
    # 0 counts clients by REMOTE_ADDR, so a client cannot pick its own address to dodge limits.
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
}
MAX_PAGE_SIZE = int(os.environ.get("MAX_PAGE_SIZE", "200"))
# A search (``q``) counts its matches up to this many; past it, ``count`` is this number with
# ``count_exact: false``, the pages reach this many records, and each is read by walking the
# list's order instead of sorting every match (tracker/api/pagination.py, docs/api.md).
SEARCH_COUNT_LIMIT = int(os.environ.get("SEARCH_COUNT_LIMIT", "10000"))
# Requests per client and period ("120/min", "5000/hour"; "off" for none): anonymous clients
# by address, signed-in ones by account. Read by tracker.api.throttling on every request.
API_THROTTLE_RATES = {
    "anon": os.environ.get("THROTTLE_ANON_RATE", "120/min"),
    "user": os.environ.get("THROTTLE_USER_RATE", "1200/min"),
}
# Request bodies (JSON writes, admin forms) and query strings above these are refused: 413/414.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MAX_REQUEST_BODY", str(1024 * 1024)))
MAX_QUERY_STRING = int(os.environ.get("MAX_QUERY_STRING", "2048"))
# Levels of arrays and objects a JSON body may nest (a write needs three).
MAX_JSON_DEPTH = int(os.environ.get("MAX_JSON_DEPTH", "32"))

# Content-Security-Policy on every response (django-csp 4): the pages (the timeline, the admin,
# the Swagger UI at /api/docs/, the browsable API) load scripts, styles, images and fonts from
# this site only, run no inline script, and fetch only from it; data: images are the icons
# Swagger UI and the timeline page inline. /api/redoc/ relaxes it for itself (config/urls.py),
# and the browsable API allows inline styles (tracker.api.renderers.BrowsableAPIRenderer).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}


def tile_origin(template: str) -> str:
    """The CSP source of a tile URL template: its scheme and host, a ``{s}`` subdomain as ``*``."""
    parts = urlsplit(template.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


if tile_origin(MAP_TILE_URL):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(tile_origin(MAP_TILE_URL))

# Guessing (django-axes, tracker/lockouts.py): after LOGIN_FAILURE_LIMIT failed admin sign-ins
# for one user name, or failed sign-ins and bad API tokens from one address, that name or
# address is locked out for LOGIN_COOLOFF_MINUTES (every attempt meanwhile restarts the wait).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = "tracker.lockouts.lockout_parameters"
AXES_CLIENT_IP_CALLABLE = "tracker.lockouts.client_address"
AXES_LOCKOUT_CALLABLE = "tracker.lockouts.lockout_response"
AXES_RESET_ON_SUCCESS = True  # a successful sign-in clears its user name's failures

# History is an audit trail: the admin shows it but does not offer to revert to an old version
# (a revert would bypass the services that keep quotes and links consistent).
SIMPLE_HISTORY_REVERT_DISABLED = True

# History over the API (tracker/api/viewsets.py): readers who may not change a record see people
# as this label, not their login names; text values longer than HISTORY_TEXT_INLINE_MAX come as
# their length and SHA-256 (curators may ask for them whole with ?full=true); smaller pages.
HISTORY_PUBLIC_LABEL = os.environ.get("HISTORY_PUBLIC_LABEL", "curator")
HISTORY_TEXT_INLINE_MAX = int(os.environ.get("HISTORY_TEXT_INLINE_MAX", "500"))
HISTORY_PAGE_SIZE = 20

# The editorial workflow (tracker.services.transition): publishing needs a curator other than
# the record's last editor; off for a one-person deployment.
REVIEW_SECOND_CURATOR = env_bool("REVIEW_SECOND_CURATOR", default=True)
HISTORY_MAX_PAGE_SIZE = int(os.environ.get("HISTORY_MAX_PAGE_SIZE", "50"))

# The change feed (/api/v1/changes/): changes a page by default, and the quiet cap on ?limit=;
# the Atom feed (/feeds/changes.atom) lists the newest CHANGES_FEED_ENTRIES.
CHANGES_PAGE_SIZE = int(os.environ.get("CHANGES_PAGE_SIZE", "100"))
CHANGES_MAX_PAGE_SIZE = int(os.environ.get("CHANGES_MAX_PAGE_SIZE", "1000"))
CHANGES_FEED_ENTRIES = int(os.environ.get("CHANGES_FEED_ENTRIES", "50"))

# HTTP caching of API reads (tracker/api/caching.py): how long a client may reuse a response
# before it revalidates it (a 304 costs one small query).
API_CACHE_MAX_AGE = int(os.environ.get("API_CACHE_MAX_AGE", "30"))
# Repeat reads of an unchanged record answered from the "records" cache (see CACHES), whole:
# API_RESPONSE_CACHE=0 turns it off; bodies larger than API_RESPONSE_CACHE_MAX_BYTES are not kept.
API_RESPONSE_CACHE = env_bool("API_RESPONSE_CACHE", True)
API_RESPONSE_CACHE_MAX_BYTES = int(os.environ.get("API_RESPONSE_CACHE_MAX_BYTES", "2000000"))
# Rankings under /api/v1/stats/: rows by default, and the quiet cap on ?limit=.
STATS_DEFAULT_LIMIT = 20
STATS_MAX_LIMIT = 1000

# Who reviews the claims in the schema.org ClaimReview export (?format=jsonld) and creates the
# Web Annotations: an organisation's name and its URL (this site's root when empty).
CLAIMREVIEW_AUTHOR_NAME = os.environ.get("CLAIMREVIEW_AUTHOR_NAME", "Timeline & claims tracker")
CLAIMREVIEW_AUTHOR_URL = os.environ.get("CLAIMREVIEW_AUTHOR_URL", "")

# Browsers may read the API from these origins (e.g. a dashboard on another host); none by default.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]  # reading; curation is same-origin
CORS_ALLOW_HEADERS = [*default_cors_headers, "if-modified-since", "if-none-match"]
CORS_EXPOSE_HEADERS = ["Content-Disposition", "ETag", "Last-Modified"]

SPECTACULAR_SETTINGS = {
    "TITLE": "Timeline & claims tracker API",
    "DESCRIPTION": (
        "A dated, sourced record of events and of the claims people make about them: "
        "who said what, when, where it was reported, and which event it concerns."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PrecisionEnum": "tracker.dates.Precision",
        "ClaimStatusEnum": "tracker.models.ClaimStatus",
        "ActorKindEnum": "tracker.models.ActorKind",
        "ClaimKindEnum": "tracker.models.ClaimKind",
        "RelationTypeEnum": "tracker.models.RelationType",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The load balancers in front (addresses or networks, comma-separated). Only from them are
# X-Forwarded-Proto (HTTPS, for redirects and secure cookies) and X-Forwarded-For believed:
# tracker/proxies.py drops those headers from any other peer. Unset: never believed.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: '{_proxy}' is no address or network"
        ) from None
if TRUSTED_PROXIES:
    MIDDLEWARE.insert(0, "tracker.proxies.TrustedProxyMiddleware")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
