"""Pre-translation pipeline benchmark on PostgreSQL + Redis + two real Celery worker processes.

Run: ``.venv/bin/python bench/pipeline.py`` (PostgreSQL at ``TRANSDESK_BENCH_PG``, default
postgresql://postgres@127.0.0.1:5432/postgres, trust auth; Redis at ``BENCH_REDIS``, default
redis://127.0.0.1:6379/14). Creates and drops its own database and uses its own broker key prefix.

Workers: two processes, each ``celery -A workers.celery_app worker -P solo`` (as the tests start them).
Segments per task: ``--batch-size`` (``TRANSDESK_MT_BATCH_SIZE``); 0, the default, lets the pipeline use each
engine's own request size (100 for ``pseudo``, 25 for LibreTranslate); ``--batch-size 25`` gives the figures
with 25-segment tasks for both.

1. Throughput with an instant engine (``pseudo``): a synthetic article of ``--segments`` sentences (the
   sample article's sentences repeated, each made unique by a counter), imported with ``ingest.parse_source``
   and ``create_article(..., languages=["ru"])``; timed from the start of the import until a grouped
   count shows every segment drafted.
2. Raw Celery round trip: ``--noop`` no-op tasks (``transdesk.noop``) sent to the same two workers,
   completion seen on a Redis counter the task increments; tasks/s and segments/s ÷ tasks/s.
3. A LibreTranslate-speaking server answering after ``--latency`` seconds (tests/integration/ltserver.py):
   segments/s for ``--lt-segments`` segments against the ceiling workers × batch size ÷ latency, timed from
   the import's commit (which sends the batches) until all drafted: the ceiling bounds the translation stage,
   not the import (import→all drafted is printed too).

Prints one table: each figure, its bar and PASS/FAIL.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import PG_SERVER, fresh_database, print_figures  # noqa: E402
from tests.conftest import stop_process  # noqa: E402  (the same stop the tests use)

SAMPLE = ROOT / "tests" / "fixtures" / "eurasianet-armenia-coup.html"
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
WORKERS = 2


# --------------------------------------------------------------------------- environment


def drop_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def start_worker(env: dict[str, str], log_path: Path, control: Any) -> subprocess.Popen:
    """Start one worker (log level WARNING: no per-task log lines) and wait until it answers a ping."""
    name = f"bench-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "-P", "solo",
             "-Q", "breaking,normal,backfill", "--loglevel", "WARNING", "--without-heartbeat",
             "--without-gossip", "--without-mingle", "-n", name],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("a worker exited:\n" + log_path.read_text(errors="replace")[-4000:])
        if control.ping(destination=[name], timeout=0.5):
            return proc
    proc.kill()
    raise RuntimeError("a worker did not start:\n" + log_path.read_text(errors="replace")[-4000:])


@contextmanager
def workers(env: dict[str, str], log_path: Path, app: Any) -> Iterator[list[subprocess.Popen]]:
    procs: list[subprocess.Popen] = []
    try:
        for _ in range(WORKERS):
            procs.append(start_worker(env, log_path, app.extensions["celery"].control))
        yield procs
    finally:
        for proc in procs:
            stop_process(proc)


@contextmanager
def flask_app(env: dict[str, str]) -> Iterator[Any]:
    from service import create_app

    with environment(env):
        app = create_app()
        with app.app_context():
            from service.extensions import db

            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


# --------------------------------------------------------------------------- the synthetic article


def sample_sentences() -> list[str]:
    from service.articles import ingest
    from service.articles.inline import html_to_tagged, strip_placeholders
    from service.articles.segmentation import split_sentences

    parsed = ingest.parse_source(SAMPLE.read_bytes(), filename=SAMPLE.name)
    sentences: list[str] = []
    for block in parsed.blocks:
        if block.kind != "paragraph":
            continue
        text = strip_placeholders(html_to_tagged(block.html)[0])
        sentences.extend(s.strip() for s in split_sentences(text, "en") if len(s.strip()) > 20)
    return sentences


def synthetic_text(count: int, per_paragraph: int = 5) -> str:
    """Plain text: a title line, then paragraphs of ``per_paragraph`` unique sentences each."""
    base = sample_sentences()
    sentences = [f"Item {n}: {base[n % len(base)]}" for n in range(count)]
    paragraphs = [" ".join(sentences[i:i + per_paragraph]) for i in range(0, count, per_paragraph)]
    return "Benchmark article\n\n" + "\n\n".join(paragraphs) + "\n"


def import_article(text: str, slug: str) -> int:
    from service.articles import ingest
    from service.articles.services import ImportRequest, create_article

    parsed = ingest.parse_source(text.encode(), content_type="text/plain", max_bytes=64 * 1024 * 1024)
    article = create_article(parsed, ImportRequest(slug=slug, source_lang="en", languages=["ru"]))
    return article.id


def counts(article_id: int) -> dict[str, int]:
    from sqlalchemy import func, select

    from service.extensions import db
    from service.translation.models import Translation

    db.session.commit()  # a new snapshot: see what the workers committed since
    rows = db.session.execute(select(Translation.state, func.count()).where(Translation.article_id == article_id)
                              .group_by(Translation.state)).all()
    return {state: n for state, n in rows}


def segment_count(article_id: int) -> int:
    from sqlalchemy import func, select

    from service.articles.models import Segment
    from service.extensions import db

    return int(db.session.scalar(select(func.count()).where(Segment.article_id == article_id)) or 0)


def run_pipeline(count: int, slug: str, timeout: float) -> dict[str, float]:
    """Import ``count`` sentences for ``ru``; seconds from import start to the commit and to all drafted."""
    text = synthetic_text(count)
    started = time.perf_counter()
    article_id = import_article(text, slug)
    imported = time.perf_counter()
    segments = segment_count(article_id)
    deadline = started + timeout
    while True:
        states = counts(article_id)
        if states.get("draft", 0) >= segments:
            break
        if time.perf_counter() > deadline:
            raise RuntimeError(f"not all drafted after {timeout:.0f} s: {states}")
        time.sleep(0.05)
    done = time.perf_counter()
    return {"segments": segments, "import": imported - started, "total": done - started,
            "queue_to_drafted": done - imported}


def run_noop(app: Any, n: int, prefix: str, timeout: float) -> float:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    key = f"{prefix}noop-counter-{uuid.uuid4().hex[:6]}"
    celery = app.extensions["celery"]
    started = time.perf_counter()
    for _ in range(n):
        celery.send_task("transdesk.noop", kwargs={"counter": key}, queue="normal")
    deadline = started + timeout
    while int(client.get(key) or 0) < n:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {int(client.get(key) or 0)} of {n} no-op tasks done after {timeout:.0f} s")
        time.sleep(0.005)
    return time.perf_counter() - started


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--noop", type=int, default=2_000)
    parser.add_argument("--lt-segments", type=int, default=2_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=0,
                        help="TRANSDESK_MT_BATCH_SIZE; 0 (default): each engine's own request size")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from service.translation.pipeline import batch_size
    from tests.integration.ltserver import Behaviour, libretranslate_server

    prefix = f"transdesk-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}:"
    tmp = Path(tempfile.mkdtemp(prefix="transdesk-bench-"))
    log_path = tmp / "workers.log"
    rows: list[tuple[str, str, str, bool | None]] = []
    try:
        with fresh_database() as database_url:
            base = {
                "TRANSDESK_INSTANCE_PATH": str(tmp),
                "TRANSDESK_DATABASE_URL": database_url,
                "TRANSDESK_BROKER_URL": REDIS_URL,
                "TRANSDESK_BROKER_KEY_PREFIX": prefix,
                "TRANSDESK_SECRET_KEY": "bench-secret-key",
                "TRANSDESK_MT_ENGINE": "pseudo",
                "TRANSDESK_MT_BATCH_SIZE": str(args.batch_size),
                "TRANSDESK_MAX_IMPORT_BYTES": str(64 * 1024 * 1024),
            }
            with flask_app(base):
                upgrade(directory=str(ROOT / "service" / "migrations"))

            # 1 and 2: pseudo engine, then no-op tasks, on the same two worker processes.
            with flask_app(base) as app, workers(base, log_path, app):
                pseudo_batch = batch_size()  # segments per task, as the pipeline picks them
                run_pipeline(200, "warm-up", 60)  # connections, imports and caches in both workers
                run_noop(app, 100, prefix, 60)
                pseudo = run_pipeline(args.segments, "bench-pseudo", 600)
                noop_seconds = run_noop(app, args.noop, prefix, 600)
            seg_rate = pseudo["segments"] / pseudo["total"]
            task_rate = args.noop / noop_seconds
            ratio = seg_rate / task_rate
            batches = -(-int(pseudo["segments"]) // pseudo_batch)
            print(f"pseudo: {pseudo['segments']:.0f} segments in {batches} batches of {pseudo_batch}: import+commit "
                  f"{pseudo['import']:.2f} s, queued→all drafted {pseudo['queue_to_drafted']:.2f} s, "
                  f"total {pseudo['total']:.2f} s")
            print(f"no-op: {args.noop} tasks in {noop_seconds:.2f} s")
            rows.append((f"import→all drafted, {pseudo['segments']:.0f} segments, pseudo (segments/s)",
                         f"{seg_rate:,.0f}", "≥ 2,000", seg_rate >= 2000))
            rows.append(("  same, queued→all drafted (segments/s)",
                         f"{pseudo['segments'] / pseudo['queue_to_drafted']:,.0f}", "(information)", None))
            rows.append((f"no-op Celery round trip, {args.noop} tasks (tasks/s)", f"{task_rate:,.0f}", "–", None))
            rows.append(("segments/s ÷ tasks/s", f"{ratio:.1f}x", "≥ 5x", ratio >= 5))

            # 3: a LibreTranslate server with latency; workers restarted with that engine.
            behaviour = Behaviour(latency=args.latency)
            with libretranslate_server(behaviour) as url:
                lt_env = {**base, "TRANSDESK_MT_ENGINE": "libretranslate", "TRANSDESK_LIBRETRANSLATE_URL": url}
                with flask_app(lt_env) as lt_app, workers(lt_env, log_path, lt_app):
                    lt_batch = batch_size()
                    run_pipeline(100, "warm-up-lt", 60)
                    lt = run_pipeline(args.lt_segments, "bench-lt", 600)
            ceiling = WORKERS * lt_batch / args.latency
            lt_rate = lt["segments"] / lt["total"]
            lt_queue_rate = lt["segments"] / lt["queue_to_drafted"]
            print(f"libretranslate ({args.latency * 1000:.0f} ms): {lt['segments']:.0f} segments: import+commit "
                  f"{lt['import']:.2f} s, queued→all drafted {lt['queue_to_drafted']:.2f} s, "
                  f"total {lt['total']:.2f} s; "
                  f"server saw {behaviour.requests} requests")
            rows.append((f"ceiling {WORKERS} workers × {lt_batch} / {args.latency * 1000:.0f} ms (segments/s)",
                         f"{ceiling:,.0f}", "–", None))
            rows.append((f"queued→all drafted, {lt['segments']:.0f} segments, {args.latency * 1000:.0f} ms engine "
                         "(segments/s)", f"{lt_queue_rate:,.0f} ({100 * lt_queue_rate / ceiling:.0f}%)",
                         "≥ 80% of ceiling", lt_queue_rate >= 0.8 * ceiling))
            rows.append(("  same, import→all drafted (segments/s)",
                         f"{lt_rate:,.0f} ({100 * lt_rate / ceiling:.0f}%)", "(information)", None))
    finally:
        drop_keys(prefix)

    passed = print_figures(rows, 14, 17)
    print(f"\nworkers: {WORKERS} × `celery -A workers.celery_app worker -P solo`; "
          f"PostgreSQL {PG_SERVER.rsplit('/', 1)[0]}, "
          f"Redis {REDIS_URL}, prefix {prefix}; {os.cpu_count()} cores")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
