"""Review UI benchmark: the editor page of a 300-segment article and saves by 20 concurrent translators.

Run: ``.venv/bin/python bench/ui.py [--segments 300] [--pages 100] [--translators 20] [--rounds 2]``
(PostgreSQL on 127.0.0.1:5432, user postgres; override with TRANSDESK_BENCH_PG).

Method: a fresh PostgreSQL database is created and migrated; in-process, the run creates the
translators (role translator, rights for ``ru``), imports a synthetic plain-text article of
``--segments`` segments (``bench/pipeline.py``'s sentences, five per paragraph) for ``ru`` and drafts
every segment with the ``pseudo`` engine (``translate_batch``, as a worker would). The app then runs
under gunicorn, 2 sync workers, on a free loopback port (as ``bench/reader.py`` starts it).

(a) One logged-in translator GETs ``/review/<id>/ru`` ``--pages`` times in a row after 5 warm-up requests.
(b) ``--translators`` threads, each a separate session that logged in through the form and took its CSRF
    token from the editor page, start together and save their own segments (thread i takes segments
    i, i+N, i+2N, …) ``--rounds`` times after one untimed warm-up save each, every POST with the version the
    previous answer carried, as htmx does (``HX-Request: true``: the answer is the segment's partial). A
    non-200 answer (a conflict would be 409) counts as an error.

Server time is the ``Server-Timing: app;dur=`` header the review blueprint adds to every response. Prints
p50/p95 of each against its bar (editor p95 < 150 ms, save p95 < 30 ms). The database is dropped and
gunicorn stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import fresh_database  # noqa: E402
from bench.pipeline import flask_app, import_article, segment_count, synthetic_text  # noqa: E402
from bench.reader import TIMING, clean_env, gunicorn, wait_ready  # noqa: E402
from tests.factories import PASSWORD, csrf_from  # noqa: E402
from tests.integration.live import Browser  # noqa: E402

EDITOR_BAR_MS = 150.0
SAVE_BAR_MS = 30.0
VERSION = re.compile(r'id="seg-(\d+)".*?name="version" value="(\d+)"', re.S)


def prepare(env: dict[str, str], segments: int, translators: int) -> tuple[int, list[int]]:
    """Migrate, create the people, import and draft the article; (article id, segment ids in order)."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from service.accounts import services as accounts
    from service.articles.models import Segment
    from service.extensions import db
    from service.translation.pipeline import translate_batch

    with flask_app(env):
        upgrade(directory=str(ROOT / "service" / "migrations"))
    with flask_app(env):
        for n in range(translators):
            accounts.create_user(f"translator{n}@example.org", "translator", PASSWORD, languages_="ru")
        # The title is one segment more than the sentences.
        article_id = import_article(synthetic_text(segments - 1), "bench-ui")
        ids = list(db.session.scalars(select(Segment.id).filter_by(article_id=article_id).order_by(Segment.position)))
        translate_batch(article_id, "ru", ids)
        assert segment_count(article_id) == len(ids)
    return article_id, ids


def server_ms(response: object) -> float:
    match = TIMING.search(getattr(response, "headers", {}).get("Server-Timing") or "")
    if not match:
        raise RuntimeError("no Server-Timing header on a review response")
    return float(match.group(1))


def editor_pages(base: str, path: str, count: int) -> tuple[list[float], int, int]:
    """(server times, errors, page bytes) for ``count`` sequential GETs of the editor."""
    browser = Browser(base)
    browser.login("translator0@example.org")
    for _ in range(5):
        browser.get(path)
    timings, errors, size = [], 0, 0
    for _ in range(count):
        response = browser.get(path)
        if response.status_code != 200:
            errors += 1
            continue
        size = len(response.content)
        timings.append(server_ms(response))
    return timings, errors, size


def concurrent_saves(base: str, path: str, segment_ids: list[int], translators: int,
                     rounds: int) -> tuple[list[float], int, float]:
    """(server times, errors, wall seconds) of ``translators`` threads saving their own segments."""
    sessions = []
    for n in range(translators):
        browser = Browser(base)
        browser.login(f"translator{n}@example.org")
        page = browser.get(path).text
        sessions.append((browser, csrf_from(page), {int(s): int(v) for s, v in VERSION.findall(page)}))
    timings: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(translators + 1)

    def translator(n: int) -> None:
        browser, token, versions = sessions[n]
        mine = segment_ids[n::translators]
        times, failed = [], 0
        start.wait()
        for round_ in range(rounds + 1):  # round 0 warms both workers up (first renders, connections): not timed
            for position, segment_id in enumerate(mine if round_ else mine[:1]):
                response = browser.http.post(
                    f"{base}{path}/segments/{segment_id}", timeout=60, headers={"HX-Request": "true"},
                    data={"csrf_token": token, "version": str(versions[segment_id]), "action": "save",
                          "text": f"Перевод {n}.{position}, правка {round_ + 1}."})
                if response.status_code != 200:
                    failed += 1
                    continue
                versions[segment_id] += 1
                if round_:
                    times.append(server_ms(response))
        with lock:
            timings.extend(times)
            errors[0] += failed

    threads = [threading.Thread(target=translator, args=(n,), daemon=True) for n in range(translators)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    return timings, errors[0], time.monotonic() - began


def percentiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return float("nan"), float("nan")
    return statistics.median(values), statistics.quantiles(values, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=300)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--translators", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="transdesk-bench-") as tmp, fresh_database() as url:
        env = clean_env(TRANSDESK_DATABASE_URL=url, TRANSDESK_INSTANCE_PATH=tmp, TRANSDESK_MT_ENGINE="pseudo",
                        TRANSDESK_SECRET_KEY=uuid.uuid4().hex)
        article_id, segment_ids = prepare(env, args.segments, args.translators)
        log = Path(tmp) / "app.log"
        with gunicorn("service:create_app()", env, log) as port:
            wait_ready(port, "/login", log)
            base, path = f"http://127.0.0.1:{port}", f"/review/{article_id}/ru"
            loads = [os.getloadavg()[0]]
            pages, page_errors, size = editor_pages(base, path, args.pages)
            loads.append(os.getloadavg()[0])
            saves, save_errors, wall = concurrent_saves(base, path, segment_ids, args.translators, args.rounds)
            loads.append(os.getloadavg()[0])

    (page50, page95), (save50, save95) = percentiles(pages), percentiles(saves)
    page_ok, save_ok = page95 < EDITOR_BAR_MS and not page_errors, save95 < SAVE_BAR_MS and not save_errors
    load = " → ".join(f"{x:.1f}" for x in loads)
    print(f"{len(segment_ids)} segments (drafted), gunicorn 2 sync workers, PostgreSQL on loopback, "
          f"{os.cpu_count()} cores, 1-minute load average before/between/after the two phases: {load}")
    print("| measurement | requests | errors | server time p50 (ms) | p95 (ms) | bar | result |")
    print("|---|---|---|---|---|---|---|")
    print(f"| editor page `/review/<id>/ru` ({size / 1024:.0f} KB), 1 client | {len(pages)} | {page_errors} "
          f"| {page50:.1f} | {page95:.1f} | p95 < {EDITOR_BAR_MS:g} ms | {'PASS' if page_ok else 'FAIL'} |")
    print(f"| saves, {args.translators} concurrent translators ({len(saves) / wall:.0f} saves/s) | {len(saves)} "
          f"| {save_errors} | {save50:.1f} | {save95:.1f} | p95 < {SAVE_BAR_MS:g} ms "
          f"| {'PASS' if save_ok else 'FAIL'} |")
    return 0 if page_ok and save_ok else 1


if __name__ == "__main__":
    sys.exit(main())
