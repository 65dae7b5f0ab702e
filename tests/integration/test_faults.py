"""Faults the pipeline survives, with real worker processes, a real Redis and a real engine server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import start_worker, stop_process
from tests.factories import import_sample
from tests.integration.ltserver import Behaviour, libretranslate_server

pytestmark = [pytest.mark.integration, pytest.mark.worker]


@contextmanager
def pipeline_app(base: dict[str, str], **settings: Any) -> Iterator[tuple[Any, dict[str, str]]]:
    """An app and a worker environment on their own Redis key prefix, so no other worker takes the work."""
    from service import create_app

    env = {**base, "TRANSDESK_BROKER_KEY_PREFIX": f"faults-{uuid.uuid4().hex[:8]}:",
           **{f"TRANSDESK_{k}": str(v) for k, v in settings.items()}}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        app = create_app({"TESTING": True})
        with app.app_context():
            from service.extensions import db

            try:
                yield app, env
            finally:
                db.session.remove()
                db.engine.dispose()  # this app's own connection pool
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        from celery import current_app as celery_current

        celery_current.set_default()


def counts(article_id: int) -> dict[str, int]:
    from service.extensions import db
    from service.translation.models import Translation

    db.session.commit()  # end any open transaction: see what the workers committed since
    rows = db.session.execute(select(Translation.state, func.count()).where(Translation.article_id == article_id)
                              .group_by(Translation.state)).all()
    return {state: n for state, n in rows}


def draft_events(article_id: int) -> dict[int, int]:
    from service.extensions import db
    from service.history import Event

    rows = db.session.execute(select(Event.segment_id, func.count()).where(
        Event.article_id == article_id, Event.action == "draft").group_by(Event.segment_id)).all()
    return {segment_id: n for segment_id, n in rows}


def wait_until(predicate: Any, timeout: float, message: Any) -> None:
    """Poll ``predicate``; ``message`` may be a callable, evaluated only on failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(message() if callable(message) else message)


def test_worker_killed_mid_batch_loses_nothing_and_drafts_once(committed: Any, environment: dict[str, str],
                                                               tmp_path: Path) -> None:
    behaviour = Behaviour(latency=0.6)
    with libretranslate_server(behaviour) as url, pipeline_app(
            environment, MT_ENGINE="libretranslate", LIBRETRANSLATE_URL=url, MT_BATCH_SIZE=4,
            BROKER_VISIBILITY_TIMEOUT=4) as (_app, env):
        first = start_worker(env, tmp_path / "a.log")
        article = import_sample(languages=["ru"])
        total = len(article.segments)
        wait_until(lambda: behaviour.requests >= 2, 30, "the first worker never called the engine")
        os.kill(first.pid, signal.SIGKILL)  # mid-batch: its current message is unacknowledged
        first.wait(timeout=10)
        assert counts(article.id).get("queued", 0) > 0
        second = start_worker(env, tmp_path / "b.log")
        try:
            wait_until(lambda: counts(article.id).get("draft", 0) == total, 90,
                       lambda: f"not every segment was drafted: {counts(article.id)}")
        finally:
            stop_process(second)
        events = draft_events(article.id)
        assert len(events) == total and set(events.values()) == {1}  # exactly one draft write per segment


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_server(port: int, folder: Path) -> subprocess.Popen:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    wait_until(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0,
               15, "redis did not start")
    return proc


def test_broker_restart_mid_run_every_segment_completes(committed: Any, environment: dict[str, str],
                                                        tmp_path: Path) -> None:
    """A private Redis that keeps nothing on disk is stopped mid-run: the queued messages are gone, the
    database still says queued, and beat's reconciler sends the work again after the restart."""
    port = free_port()
    broker = redis_server(port, tmp_path)
    behaviour = Behaviour(latency=0.3)
    beat = None
    try:
        with ExitStack() as stack, libretranslate_server(behaviour) as url, pipeline_app(
                {**environment, "TRANSDESK_BROKER_URL": f"redis://127.0.0.1:{port}/0"},
                MT_ENGINE="libretranslate", LIBRETRANSLATE_URL=url, MT_BATCH_SIZE=4,
                QUEUE_STUCK_AFTER=3, RECONCILE_EVERY=1) as (_app, env):
            worker = start_worker(env, tmp_path / "w.log")
            article = import_sample(languages=["ru"])
            total = len(article.segments)
            wait_until(lambda: behaviour.requests >= 1, 30, "the worker never called the engine")
            broker.terminate()
            broker.wait(timeout=10)
            time.sleep(2)
            assert counts(article.id).get("draft", 0) < total
            broker = redis_server(port, tmp_path)
            beat_log = stack.enter_context((tmp_path / "beat.log").open("wb"))
            beat = subprocess.Popen([sys.executable, "-m", "celery", "-A",
                                     "workers.celery_app", "beat", "--schedule",
                                     str(tmp_path / "beat-schedule")],
                                    env={**os.environ, **env}, stdout=beat_log, stderr=subprocess.STDOUT)
            try:
                wait_until(lambda: counts(article.id).get("draft", 0) == total, 120,
                           lambda: f"not every segment completed after the restart: {counts(article.id)}")
            finally:
                stop_process(worker)
            events = draft_events(article.id)
            assert len(events) == total and set(events.values()) == {1}
    finally:
        if beat is not None:
            stop_process(beat)
        stop_process(broker)


def test_flaky_engine_every_segment_drafted_or_failed_with_bounded_attempts(
        committed: Any, environment: dict[str, str], tmp_path: Path) -> None:
    behaviour = Behaviour(latency=0.0, failure_rate=0.3, seed=11)
    retries = 3
    with libretranslate_server(behaviour) as url, pipeline_app(
            environment, MT_ENGINE="libretranslate", LIBRETRANSLATE_URL=url, MT_BATCH_SIZE=2,
            TASK_MAX_RETRIES=retries, RETRY_BACKOFF=0.05, BREAKER_RESET=1) as (_app, env):
        worker = start_worker(env, tmp_path / "w.log")
        try:
            article = import_sample(languages=["ru"])
            total = len(article.segments)
            batches = -(-total // 2)
            wait_until(lambda: counts(article.id).get("draft", 0) + counts(article.id).get("failed", 0) == total,
                       120, lambda: f"segments still pending: {counts(article.id)}")
        finally:
            stop_process(worker)
        from service.extensions import db
        from service.translation.models import Translation

        rows = db.session.scalars(select(Translation).filter_by(article_id=article.id)).all()
        assert behaviour.failures > 0  # the faults really happened
        for row in rows:
            assert row.state in {"draft", "failed"}
            if row.state == "failed":
                assert row.reason and "gave up after" in row.reason
            assert row.attempts <= retries + 1
        # Bounded: at most one request per attempt of every batch (the breaker may spare some).
        assert behaviour.requests <= batches * (retries + 1)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_worker_memory_stays_flat_over_repeated_runs(committed: Any, environment: dict[str, str],
                                                     tmp_path: Path) -> None:
    with pipeline_app(environment, MT_ENGINE="pseudo", MT_BATCH_SIZE=8) as (_app, env):
        worker = start_worker(env, tmp_path / "w.log")
        samples = []
        try:
            for run in range(6):
                article = import_sample(languages=["ru"], slug=f"memory-run-{run}")
                total = len(article.segments)
                wait_until(lambda a=article.id, t=total: counts(a).get("draft", 0) == t, 60, "drafts missing")
                samples.append(rss_kib(worker.pid))
        finally:
            stop_process(worker)
    # After warm-up (imports, caches), later runs must not keep growing the worker.
    growth = samples[-1] - samples[1]
    assert growth < 8 * 1024, f"worker RSS grew {growth} KiB over {len(samples) - 2} runs: {samples}"
