"""Translation-memory benchmark: one million units on PostgreSQL.

Run: ``.venv/bin/python bench/tm.py [--units 1000000] [--queries 200]`` (PostgreSQL at ``TRANSDESK_BENCH_PG``,
default postgresql://postgres@127.0.0.1:5432/postgres, trust auth). Creates and drops its own database; the
TMX file goes to a temporary folder under /tmp and is deleted afterwards.

1. Writes ``--units`` English→Russian pairs from ``bench/tm_data.py`` (deterministic, news-like, in families of
   near neighbours) as one TMX 1.4 file (not timed).
2. ``transdesk tm import FILE`` as its own process, as a user runs it: wall time, and its resident memory sampled
   every 0.2 s (peak and the samples through the run: streaming keeps it flat).
3. ``--queries`` fuzzy look-ups through ``memory.lookup(q, "en", "ru", limit=5)``: 60% perturbed stored sentences
   (a number changed, a word dropped or doubled), 40% unseen sentences (new families); p50/p95 latency.
4. Recall@5 of those look-ups against a brute-force ``rapidfuzz.process.extract`` over all units' texts with the
   same scorer and cut-off as ``lookup`` (``fuzz.ratio`` on the placeholder-free, case-folded text, >= MIN_SCORE).
   A look-up's hit counts when its true score reaches the 5th best true score (ties are interchangeable).
5. Exact look-ups: ``memory.exact_targets([source], "en", "ru")`` for stored sentences (what the pipeline does
   per batch); p50/p95 latency, every answer checked.
6. ``transdesk tm export -o FILE`` of the whole memory: wall time and peak memory (information).

``--import-only`` stops after step 2. Method and results: docs/performance.md, "Translation memory".

Prints one table: each figure, its bar and PASS/FAIL.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import PG_SERVER, fresh_database, print_figures  # noqa: E402
from bench.pipeline import flask_app  # noqa: E402
from bench.tm_data import family, pairs, perturb  # noqa: E402


def write_tmx(path: Path, units: list[tuple[str, str]]) -> None:
    from lxml import etree

    with path.open("wb") as fh, etree.xmlfile(fh, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("tmx", version="1.4"):
            xf.write(etree.Element("header", creationtool="transdesk-bench", creationtoolversion="1",
                                   segtype="sentence", adminlang="en", srclang="en", datatype="plaintext",
                                   **{"o-tmf": "none"}))
            with xf.element("body"):
                for source, target in units:
                    tu = etree.Element("tu")
                    for lang, text in (("en", source), ("ru", target)):
                        tuv = etree.SubElement(tu, "tuv", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
                        etree.SubElement(tuv, "seg").text = text
                    xf.write(tu)


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, int, list[int], str]:
    """Run a ``transdesk`` command; seconds, peak RSS (KiB, from the kernel), RSS samples (KiB), stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", *args], cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    samples: list[int] = []
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            line = next(x for x in status.read_text().splitlines() if x.startswith("VmRSS:"))
            samples.append(int(line.split()[1]))
        except (OSError, StopIteration):
            pass
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    out = proc.stdout.read().decode() if proc.stdout else ""
    # ru_maxrss of the finished child: the kernel's own peak, not only what the sampling caught.
    peak = max(samples, default=0)
    with contextlib.suppress(ChildProcessError):  # already reaped by poll(): the samples stand alone
        peak = max(peak, os.wait4(proc.pid, 0)[2].ru_maxrss)
    if proc.returncode not in (0, None):
        raise RuntimeError(f"transdesk {' '.join(args)} failed ({proc.returncode}): {out}")
    return seconds, peak, samples, out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def make_queries(units: list[tuple[str, str]], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    stored = {source for source, _target in units}
    perturbed = [perturb(rng, units[rng.randrange(len(units))][0]) for _ in range(count * 3 // 5)]
    unseen_rng = random.Random(seed + 1)
    unseen: list[str] = []
    while len(unseen) < count - len(perturbed):
        sentence = next(family(unseen_rng, 1))[0]
        if sentence not in stored:
            unseen.append(sentence)
    return [q for q in perturbed if q not in stored] + unseen


def recall_at_5(queries: list[str], found: list[list[Any]], units: list[tuple[str, str]]) -> tuple[float, int, int]:
    """Micro recall over queries whose brute-force top 5 is not empty; also how many were and were not."""
    from rapidfuzz import fuzz, process

    from service.translation import memory

    choices = [memory._plain(source) for source, _target in units]
    hits = wanted = empty = 0
    for query, matches in zip(queries, found, strict=True):
        plain = memory._plain(query)
        truth = process.extract(plain, choices, scorer=fuzz.ratio, limit=5, score_cutoff=memory.MIN_SCORE - 0.5)
        scores = [min(round(score), 99) for _choice, score, _index in truth if round(score) >= memory.MIN_SCORE]
        if not scores:
            empty += 1
            continue
        kth = min(scores)
        true_scores = [round(fuzz.ratio(plain, memory._plain(m.source))) for m in matches if not m.exact]
        hits += min(len(scores), sum(1 for score in true_scores if min(score, 99) >= kth))
        wanted += len(scores)
    return (hits / wanted if wanted else 1.0), len(queries) - empty, empty


def measure_lookups(env: dict[str, str], units: list[tuple[str, str]], count: int, seed: int,
                    rows: list[tuple[str, str, str, bool | None]]) -> None:
    """Fuzzy and exact look-up latency, and the fuzzy look-ups' recall@5 against a brute-force scan."""
    with flask_app(env):
        from service.extensions import db
        from service.translation import memory

        queries = make_queries(units, count, seed)
        for query in queries[:10]:  # warm-up: connection, plans, caches
            memory.lookup(query, "en", "ru", limit=5)
            db.session.rollback()
        fuzzy_ms: list[float] = []
        found: list[list[Any]] = []
        for query in queries:
            t0 = time.perf_counter()
            found.append(memory.lookup(query, "en", "ru", limit=5))
            fuzzy_ms.append((time.perf_counter() - t0) * 1000)
            db.session.rollback()  # end the read transaction, as a request does
        rng = random.Random(seed + 2)
        exact_ms: list[float] = []
        for source, target in (units[rng.randrange(len(units))] for _ in range(count)):
            t0 = time.perf_counter()
            answer = memory.exact_targets([source], "en", "ru")
            exact_ms.append((time.perf_counter() - t0) * 1000)
            db.session.rollback()
            if answer != {source: target}:
                raise RuntimeError(f"exact look-up of {source!r} gave {answer!r}")
        print(f"fuzzy: {len(queries)} queries, {sum(1 for f in found if f)} with matches; "
              f"p50 {percentile(fuzzy_ms, 0.5):.1f} ms, max {max(fuzzy_ms):.1f} ms; brute force next…",
              flush=True)
        t0 = time.perf_counter()
        recall, judged, empty = recall_at_5(queries, found, units)
        print(f"brute force over {len(units):,} units: {time.perf_counter() - t0:.0f} s", flush=True)
    rows.append((f"fuzzy top-5 look-up, {len(queries)} queries, p95 (ms)", f"{percentile(fuzzy_ms, 0.95):.1f}",
                 "< 50", percentile(fuzzy_ms, 0.95) < 50))
    rows.append(("  same, p50 (ms)", f"{percentile(fuzzy_ms, 0.5):.1f}", "(information)", None))
    rows.append((f"recall@5 vs brute-force rapidfuzz ({judged} queries with a match >= "
                 f"{memory.MIN_SCORE}; {empty} without)", f"{100 * recall:.1f}%", ">= 95%", recall >= 0.95))
    rows.append((f"exact look-up, {len(exact_ms)} stored sources, p95 (ms)",
                 f"{percentile(exact_ms, 0.95):.2f}", "< 2", percentile(exact_ms, 0.95) < 2))
    rows.append(("  same, p50 (ms)", f"{percentile(exact_ms, 0.5):.2f}", "(information)", None))



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--import-only", action="store_true", help="only the import (and its memory)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    tmp = Path(tempfile.mkdtemp(prefix="transdesk-bench-tm-"))
    rows: list[tuple[str, str, str, bool | None]] = []
    try:
        started = time.perf_counter()
        units = list(pairs(args.units, seed=args.seed))
        tmx_path = tmp / "memory.tmx"
        write_tmx(tmx_path, units)
        print(f"wrote {len(units):,} units to {tmx_path} ({tmx_path.stat().st_size / 2**20:,.0f} MiB) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        with fresh_database() as database_url:
            env = {"TRANSDESK_INSTANCE_PATH": str(tmp), "TRANSDESK_DATABASE_URL": database_url,
                   "TRANSDESK_BROKER_URL": "memory://", "TRANSDESK_SECRET_KEY": "bench-secret-key"}
            with flask_app(env):
                upgrade(directory=str(ROOT / "service" / "migrations"))

            seconds, peak, samples, out = run_measured(["tm", "import", str(tmx_path)], env)
            print(f"import: {out.strip()} in {seconds:.1f} s; RSS samples (MiB) at 10/25/50/75/100% of the run: "
                  + ", ".join(f"{samples[min(len(samples) - 1, int(f * len(samples)))] / 1024:.0f}"
                              for f in (0.1, 0.25, 0.5, 0.75, 0.999)) if samples else "", flush=True)
            rows.append((f"TMX import, {len(units):,} units, `transdesk tm import` (s)", f"{seconds:.1f}", "< 60",
                         seconds < 60))
            rows.append(("  peak RSS of the import process (MiB)", f"{peak / 1024:,.0f}", "(flat: see samples)", None))

            if not args.import_only:
                measure_lookups(env, units, args.queries, args.seed, rows)
            if not (args.skip_export or args.import_only):
                out_path = tmp / "export.tmx"
                seconds, peak, _samples, out = run_measured(["tm", "export", "-o", str(out_path)], env)
                print(f"export: {out.strip()} in {seconds:.1f} s", flush=True)
                rows.append((f"TMX export, {len(units):,} units (s)", f"{seconds:.1f}", "(information)", None))
                rows.append(("  peak RSS of the export process (MiB)", f"{peak / 1024:,.0f}", "(information)", None))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    passed = print_figures(rows, 10, 20)
    print(f"\nPostgreSQL {PG_SERVER.rsplit('/', 1)[0]}; {os.cpu_count()} cores; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
