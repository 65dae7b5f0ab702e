"""Test backends: real PostgreSQL and Redis when they answer (always under CI=true), else SQLite
and the filesystem broker, said in the report header. Every run gets its own database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE = FIXTURES / "eurasianet-armenia-coup.html"
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_SERVER = os.environ.get("TRANSDESK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TRANSDESK_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")

BROKER_PREFIX = f"transdesk-test-{os.getpid()}-{uuid.uuid4().hex[:6]}:"
BACKENDS: dict[str, str] = {}


def _drop_broker_keys() -> None:
    if not BACKENDS.get("broker", "").startswith("Redis"):
        return
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=BROKER_PREFIX + "*", count=1000))
    if keys:
        client.delete(*keys)


def _postgres_database(tmp: Path) -> str:
    import psycopg

    name = f"transdesk_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if IN_CI:
            raise RuntimeError(f"CI=true but PostgreSQL at {PG_SERVER} is not reachable: {exc}") from exc
        BACKENDS["database"] = f"SQLite (PostgreSQL unreachable: {exc.__class__.__name__})"
        return f"sqlite:///{tmp / 'test.db'}"
    BACKENDS["database"] = f"PostgreSQL database {name}"
    BACKENDS["_pg_name"] = name
    return PG_SERVER.rsplit("/", 1)[0] + "/" + name


def _drop_postgres_database() -> None:
    name = BACKENDS.get("_pg_name")
    if not name:
        return
    import psycopg

    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _broker() -> str:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if IN_CI:
            raise RuntimeError(f"CI=true but Redis at {REDIS_URL} is not reachable: {exc}") from exc
        BACKENDS["broker"] = "filesystem broker (Redis unreachable)"
        return "filesystem://"
    BACKENDS["broker"] = f"Redis {REDIS_URL}"
    return REDIS_URL


@pytest.fixture(scope="session")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("instance")
    env = {
        "TRANSDESK_INSTANCE_PATH": str(tmp),
        "TRANSDESK_DATABASE_URL": _postgres_database(tmp),
        "TRANSDESK_BROKER_URL": _broker(),
        # Our own keys in Redis: parallel runs (or a developer's demo) never take each other's tasks.
        "TRANSDESK_BROKER_KEY_PREFIX": BROKER_PREFIX,
        "TRANSDESK_SECRET_KEY": "test-secret-key",
        "TRANSDESK_MT_ENGINE": "pseudo",
        "TRANSDESK_MT_BATCH_SIZE": "8",
        "TRANSDESK_MAX_IMPORT_BYTES": str(512 * 1024),
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _drop_postgres_database()
    _drop_broker_keys()


@pytest.fixture(scope="session")
def app(environment: dict[str, str]) -> Iterator[Any]:
    from flask_migrate import upgrade

    from service import create_app

    flask_app = create_app({"TESTING": True})
    with flask_app.app_context():
        upgrade(directory=str(ROOT / "service" / "migrations"))  # the migrations themselves are under test
    compile_catalogs()
    yield flask_app
    with flask_app.app_context():
        from service.extensions import db

        db.session.remove()
        db.engine.dispose()


def compile_catalogs() -> None:
    from service import i18n

    i18n.compile()


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"transdesk backends: decided at session start; CI={IN_CI}"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if BACKENDS:
        terminalreporter.write_line(
            "transdesk backends: " + "; ".join(f"{k}: {v}" for k, v in BACKENDS.items() if not k.startswith("_"))
        )


@pytest.fixture
def db(app: Any) -> Iterator[Any]:
    """A session whose work is rolled back after the test, even where the code commits.

    Flask-SQLAlchemy's ``Session.get_bind`` returns its engine and ignores a session's own bind, so
    the session class is narrowed to hand out the test's connection; commits then only release
    savepoints inside the outer transaction that is rolled back at the end.
    """
    from flask_sqlalchemy.session import Session

    from service.extensions import db as database

    with app.app_context():
        connection = database.engine.connect()
        transaction = connection.begin()
        bound = type("TestSession", (Session,), {"get_bind": lambda self, *args, **kwargs: connection})
        session = database._make_scoped_session({"class_": bound, "join_transaction_mode": "create_savepoint"})
        original = database.session
        database.session = session
        try:
            yield database
        finally:
            session.remove()
            database.session = original
            transaction.rollback()
            connection.close()


def truncate_all(app: Any) -> None:
    from service.extensions import db as database

    with app.app_context():
        database.session.remove()
        tables = list(reversed(database.metadata.sorted_tables))
        with database.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture
def committed(app: Any) -> Iterator[Any]:
    """For tests whose data must be seen by other processes (worker, CLI): truncated afterwards."""
    truncate_all(app)
    with app.app_context():
        yield app
    truncate_all(app)


def start_worker(env: dict[str, str], log_path: Path, *extra: str) -> subprocess.Popen:
    """Start a real Celery worker process with ``env`` and wait until it is ready."""
    start = log_path.stat().st_size if log_path.exists() else 0  # the log may hold earlier workers' lines
    log = log_path.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "-P", "solo",
         "-Q", "breaking,normal,backfill", "--loglevel", "INFO", "--without-heartbeat", "--without-gossip",
         "--without-mingle", "-n", f"test-{uuid.uuid4().hex[:6]}@%h", *extra],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the worker exited:\n" + log_path.read_text(errors="replace"))
        if b"ready." in log_path.read_bytes()[start:]:
            return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the worker did not start:\n" + log_path.read_text(errors="replace"))


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def worker(app: Any, environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Celery worker process on the test broker and database."""
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    proc = start_worker(environment, log_path)
    proc.log_path = log_path  # type: ignore[attr-defined]
    yield proc
    stop_process(proc)


CHROMIUM = os.environ.get("TRANSDESK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def missing_tool(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_tool("the playwright Python package is not installed (pip install playwright)")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        missing_tool(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()



def run_cli(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The installed ``transdesk`` command as a user runs it (a separate process)."""
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], cwd=ROOT, input=stdin, capture_output=True,
        env={**os.environ, **(env or {})}, timeout=120,
    )
