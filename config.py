"""Settings, read from environment variables with safe defaults.

Every variable is listed in the README's configuration table.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CONSULT_INSTANCE", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults for a laptop in the room; override through the environment."""

    #: Secret for sessions and CSRF; generated once into instance/ when unset.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'consult.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    #: The address phones can reach, for QR codes and printed links. Unset: this machine's LAN
    #: address and the port the server listens on (consult/network.py). Set it behind a proxy.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")
    #: Milliseconds SQLite waits for a lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))
    #: A writer stuck this long on a lock another program holds makes the writers queued behind
    #: it give up at once (503, try again) instead of taking every worker thread
    #: (consult/database.py). Normal turns last a few milliseconds.
    SQLITE_STALLED_WRITER_MS = int(os.environ.get("SQLITE_STALLED_WRITER_MS", "1000"))
    #: Seconds each page of revealed results stays on the projector before the next one.
    SCREEN_PAGE_SECONDS = int(os.environ.get("SCREEN_PAGE_SECONDS", "15"))
    #: Seconds the console's and the projector's live figures are reused before they are
    #: counted again (once per process and event, whatever the number of viewers); a round
    #: opened, closed or revealed shows at once. 0 counts them on every poll.
    LIVE_CACHE_SECONDS = float(os.environ.get("LIVE_CACHE_SECONDS", "1"))
    #: SQLite durability: FULL keeps an acknowledged vote through a power cut.
    SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", "FULL")

    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "km")
    BABEL_DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Asia/Phnom_Penh")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("km", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    #: A participant's cookie lasts through a written consultation of several months; it is
    #: not re-signed on every poll and vote (that cost ~10 % of a status request).
    PERMANENT_SESSION_LIFETIME = timedelta(days=int(os.environ.get("SESSION_DAYS", "180")))
    SESSION_REFRESH_EACH_REQUEST = False
    #: A staff sign-in lasts a working day, though it shares the participant's long cookie
    #: (consult/access.py checks the time of sign-in stored in the session).
    STAFF_SESSION_HOURS = float(os.environ.get("STAFF_SESSION_HOURS", "12"))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a phone may keep a page open all day

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(8 * 1024 * 1024)))

    #: A results workbook of at most this many answers is built in the request (about a
    #: second); a larger one by a job with a progress page (consult/results/jobs.py).
    EXPORT_IN_REQUEST_MAX_ROWS = int(os.environ.get("EXPORT_IN_REQUEST_MAX_ROWS", "5000"))
    #: Minutes a prepared workbook is kept for its download, then deleted.
    EXPORT_JOB_KEEP_MINUTES = int(os.environ.get("EXPORT_JOB_KEEP_MINUTES", "60"))
    #: False: an export job runs in the request that starts it (tests).
    EXPORT_JOBS_IN_THREADS = True
    #: How often an export job's heartbeat writes its progress.
    EXPORT_JOB_HEARTBEAT_SECONDS = 1.0
    #: A running job whose heartbeat is older than this reads as failed (its process stopped).
    EXPORT_JOB_STALE_SECONDS = 30
    #: A job running longer than this reads as failed, heartbeat or not.
    EXPORT_JOB_MAX_MINUTES = 60
    #: Export jobs one person may have running at once.
    EXPORT_JOBS_PER_USER = 2

    #: Where limits are counted. Unset: a file in the instance folder that every process of
    #: this machine shares (consult/ratelimit.py), so ``make run``'s processes together allow
    #: what a limit says. Several machines: ``redis://…``. ``memory://`` counts per process.
    RATELIMIT_STORAGE_URI = (os.environ.get("RATELIMIT_STORAGE_URI")
                             or f"mmap:///{INSTANCE_DIR / 'ratelimits.mmap'}")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    #: Answer the status poll, the vote page and the vote without the full request cycle
    #: (consult/fastpath/): same rules, a fraction of the CPU. Off: every request takes the
    #: normal view.
    FAST_PATHS = _bool("FAST_PATHS", True)

    #: Behind a reverse proxy, trust this many X-Forwarded-* hops.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
