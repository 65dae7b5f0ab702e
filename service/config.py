"""Typed configuration: defaults here, overridden by ``TRANSDESK_*`` environment variables.

Every key has a typed default; an environment variable ``TRANSDESK_<KEY>`` is converted to the
default's type. Unknown ``TRANSDESK_*`` variables produce a warning so that typos do not pass
silently. The embedded defaults (SQLite in ``instance/``, a filesystem broker) let the demo run
with nothing but Python; production sets the database and broker URLs (see docker-compose.yml).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PREFIX = "TRANSDESK_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    return Path(os.environ.get("TRANSDESK_INSTANCE_PATH", PROJECT_ROOT / "instance")).resolve()


DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "",  # empty: SQLite file in instance/
    "BROKER_URL": "",  # empty: filesystem broker in instance/broker (no server needed)
    "BROKER_KEY_PREFIX": "",  # Redis only: a prefix for every key, so deployments can share one Redis
    "SECRET_KEY": "",  # empty: a key generated once and kept in instance/secret_key
    "MT_ENGINE": "pseudo",
    "MT_BATCH_SIZE": 25,
    "MT_TIMEOUT": 20.0,
    "LIBRETRANSLATE_URL": "",
    "LIBRETRANSLATE_API_KEY": "",
    "DEEPL_API_KEY": "",
    "DEEPL_URL": "",  # empty: api-free.deepl.com for ":fx" (free) keys, else api.deepl.com
    "GOOGLE_API_KEY": "",
    "GOOGLE_URL": "https://translation.googleapis.com",
    "OPENAI_BASE_URL": "",
    "OPENAI_API_KEY": "",
    "OPENAI_MODEL": "",
    "MAX_IMPORT_BYTES": 5 * 1024 * 1024,
    "IMPORT_ALLOW_PRIVATE_URLS": False,
    "LANGUAGES": "en,ru,kk,fa",  # languages the site and the UI are offered in
    "SOURCE_LANGUAGE": "en",
    "SITE_NAME": "Eurasianet",
    "QUEUE_STUCK_AFTER": 600,  # seconds before the reconciler re-enqueues queued work
    "RECONCILE_EVERY": 60.0,
    "TASK_MAX_RETRIES": 5,
    # The guard against unedited machine translation (share of MT tokens left unchanged per article and
    # language): publishing is blocked above the limit and warned about above the warning level.
    "MT_UNMODIFIED_LIMIT": 0.95,
    "MT_UNMODIFIED_WARN": 0.85,
    "MT_UNMODIFIED_LIMITS": "",  # per-language overrides, e.g. "ru=0.9,kk=0.97"
    "RETRY_BACKOFF": 2.0,  # seconds: retry n waits a random time up to RETRY_BACKOFF * 2**n (capped at 5 min)
    "BREAKER_RESET": 30.0,  # seconds an engine's open circuit waits before one probe
    "BROKER_VISIBILITY_TIMEOUT": 3600,  # Redis: seconds before work held by a dead worker is delivered again
    # Seconds a web worker trusts its last read of what is live before reading it again (0: every request).
    # A publish in the same process drops it at once; other processes see it within this time, far less
    # than the max-age=60 that reader pages already give browsers and proxies.
    "READER_STAMP_TTL": 1.0,
}

# Flask keys that tests and deployments may pass through create_app(test_config) as they are.
FLASK_KEYS = {"TESTING", "WTF_CSRF_ENABLED", "SERVER_NAME", "PREFERRED_URL_SCHEME", "SESSION_COOKIE_SECURE"}


def _convert(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = dict(os.environ if environ is None else environ)
    values = dict(DEFAULTS)
    known = {PREFIX + key for key in DEFAULTS} | {"TRANSDESK_INSTANCE_PATH", "TRANSDESK_TEST_DATABASE_URL",
                                                  "TRANSDESK_TEST_BROKER_URL", "TRANSDESK_APP"}
    for name, raw in environ.items():
        if not name.startswith(PREFIX):
            continue
        key = name[len(PREFIX):]
        if key in DEFAULTS:
            try:
                values[key] = _convert(raw, DEFAULTS[key])
            except ValueError as exc:
                raise SystemExit(f"invalid value for {name}: {raw!r} ({exc})") from exc
        elif name not in known:
            log.warning("unknown configuration variable %s is ignored", name)
    return values


def database_url(configured: str) -> str:
    if configured:
        # Accept the common "postgresql://" spelling and use psycopg 3 for it.
        if configured.startswith("postgres://"):
            configured = "postgresql://" + configured[len("postgres://"):]
        if configured.startswith("postgresql://"):
            configured = "postgresql+psycopg://" + configured[len("postgresql://"):]
        return configured
    return f"sqlite:///{instance_dir() / 'transdesk.db'}"


def broker_url(configured: str) -> str:
    return configured or "filesystem://localhost/"


def broker_transport_options(url: str, key_prefix: str = "", visibility_timeout: int = 3600) -> dict[str, Any]:
    if url.startswith("filesystem://"):
        folder = instance_dir() / "broker"
        for sub in ("queue", "processed"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        # One folder serves as both in and out so that web, CLI and worker share the queue.
        return {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "store_processed": False,
            "polling_interval": 0.1,
        }
    if url.startswith(("redis://", "rediss://")):
        # Re-deliver unacknowledged (acks_late) work after a worker dies; an hour covers long batches.
        # Work held by a dead worker comes back after the visibility timeout; sweep for it that often
        # (kombu's default sweep is about every 100 s, whatever the timeout).
        options: dict[str, Any] = {"visibility_timeout": visibility_timeout,
                                   "unacked_restore_interval": max(1, min(10, visibility_timeout // 2)),
                                   "unacked_restore_throttle": 1}
        if key_prefix:
            options["global_keyprefix"] = key_prefix
        return options
    return {}


def secret_key(configured: str) -> str:
    if configured:
        return configured
    path = instance_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
