"""Reader-page throughput: a published article against a bare Flask page, both under gunicorn.

Run: ``.venv/bin/python bench/reader.py [--rounds 3] [--connections 8] [--seconds 4] [--client auto]``
(PostgreSQL on 127.0.0.1:5432, user postgres; override with TRANSDESK_BENCH_PG). The load generator is
``wrk`` when it is installed (Debian: ``apt-get install wrk``), else Python threads (``--client python``).

Method: a fresh PostgreSQL database is created, migrated (``transdesk db upgrade``) and given the
sample article (``transdesk import``, which publishes the English source). Two gunicorn servers with
2 sync workers each on free loopback ports serve ``service:create_app()`` and ``bench/bare_app.py``.
Each round loads both for a fixed time after a warm-up, in alternating order (so that load from other
work on the machine falls on both alike), with N connections; gunicorn's sync workers close every
connection after its response, so clients reconnect for both alike. ``wrk`` (C) is the default client: a
Python client costs more CPU per response than the server does, and it pays per header and per byte,
so on two cores it measures itself more than the servers (see docs/performance.md). The article's
server time is the median of its ``Server-Timing: app;dur=`` header over sequential requests. It prints
requests/s per round, the median ratio (bar: >= 50%) and the server time p50 (bar: < 5 ms). The
database is dropped and both servers are stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import fresh_database  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "eurasianet-armenia-coup.html"
SLUG = "armenia-breaks-up-alleged-russian-inspired-coup-attempt"
TIMING = re.compile(r"app;dur=([0-9.]+)")
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDESK_")}
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(BIN / "transdesk"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"transdesk {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


@contextmanager
def gunicorn(app: str, env: dict[str, str], log: Path, *, chdir: Path = ROOT) -> Iterator[int]:
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync", "--bind",
             f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level", "warning", app],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_ready(port: int, path: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"127.0.0.1:{port}{path} did not answer 200 in {timeout:.0f}s:\n{log.read_text()[-2000:]}")


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    server_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load(port: int, path: str, connections: int, seconds: float, max_requests: int = 1_000_000) -> Result:
    """``connections`` threads, each with its own connection, for ``seconds`` (or ``max_requests`` in all)."""
    result = Result()
    lock = threading.Lock()
    start = threading.Barrier(connections + 1)
    stop_at = [0.0]
    per_connection = max(1, max_requests // connections)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        done, errors, timings = 0, 0, []
        start.wait()
        while time.monotonic() < stop_at[0] and done < per_connection:
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors += 1
                    continue
                done += 1
                match = TIMING.search(response.getheader("Server-Timing") or "")
                if match:
                    timings.append(float(match.group(1)))
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
        conn.close()
        with lock:
            result.requests += done
            result.errors += errors
            result.server_ms.extend(timings)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    stop_at[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - began
    return result


WRK_RATE = re.compile(r"Requests/sec:\s+([0-9.]+)")
WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read \d+, write (\d+), timeout (\d+)")


def wrk(port: int, path: str, connections: int, seconds: float) -> Result:
    """``wrk`` with one thread (the servers need the other core) and ``connections`` connections. Its
    "read" socket errors are gunicorn's sync workers closing each connection after the response, not
    failures: every response is counted, and non-2xx answers are errors."""
    out = subprocess.run(["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, timeout=seconds + 60,
                         check=True).stdout
    rate = WRK_RATE.search(out)
    if rate is None:
        raise RuntimeError("unexpected wrk output:\n" + out)
    non_2xx = WRK_NON_2XX.search(out)
    errors = WRK_ERRORS.search(out)
    failed = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, errors.groups())) if errors else 0)
    return Result(requests=round(float(rate.group(1)) * seconds), errors=failed, seconds=seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--stamp-ttl", help="TRANSDESK_READER_STAMP_TTL for the app (default: the app's default)")
    args = parser.parse_args()
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")

    def run(port: int, path: str, seconds: float) -> Result:
        if client == "wrk":
            return wrk(port, path, args.connections, seconds)
        return load(port, path, args.connections, seconds)

    rounds: list[tuple[Result, Result]] = []
    with tempfile.TemporaryDirectory(prefix="transdesk-bench-") as tmp, fresh_database() as url:
        env = clean_env(TRANSDESK_DATABASE_URL=url, TRANSDESK_INSTANCE_PATH=tmp,
                        TRANSDESK_SECRET_KEY=uuid.uuid4().hex)
        if args.stamp_ttl is not None:
            env["TRANSDESK_READER_STAMP_TTL"] = args.stamp_ttl
        cli(env, "db", "upgrade")
        cli(env, "import", str(SAMPLE))
        article_path, bare_path = f"/en/{SLUG}", "/bare"
        app_log, bare_log = Path(tmp) / "app.log", Path(tmp) / "bare.log"
        with gunicorn("service:create_app()", env, app_log) as app_port, \
                gunicorn("bare_app:app", clean_env(), bare_log, chdir=ROOT / "bench") as bare_port:
            wait_ready(app_port, article_path, app_log)
            wait_ready(bare_port, bare_path, bare_log)
            targets = {"article": (app_port, article_path), "bare": (bare_port, bare_path)}
            for number in range(args.rounds):
                results: dict[str, Result] = {}
                for name in ("bare", "article") if number % 2 == 0 else ("article", "bare"):
                    run(*targets[name], args.warmup)
                    results[name] = run(*targets[name], args.seconds)
                rounds.append((results["article"], results["bare"]))
            timed = load(app_port, article_path, 1, 60, max_requests=1000)  # sequential: server time only

    ratios = [article.rate / bare.rate if bare.rate else 0.0 for article, bare in rounds]
    ratio = statistics.median(ratios)
    p50 = statistics.median(timed.server_ms) if timed.server_ms else float("nan")
    p90 = statistics.quantiles(timed.server_ms, n=10)[-1] if len(timed.server_ms) > 1 else float("nan")
    errors = sum(article.errors + bare.errors for article, bare in rounds) + timed.errors
    print(f"client {client}, stamp TTL {args.stamp_ttl or 'default'}, gunicorn 2 sync workers each, "
          f"{args.connections} connections, {args.rounds} rounds of {args.seconds:g} s per page "
          f"after {args.warmup:g} s warm-up, loopback")
    print("| round | article req/s | bare page req/s | ratio | errors |")
    print("|---|---|---|---|---|")
    for number, ((article, bare), one) in enumerate(zip(rounds, ratios, strict=True), 1):
        print(f"| {number} | {article.rate:.0f} | {bare.rate:.0f} | {one:.0%} | {article.errors + bare.errors} |")
    print(f"| median ratio | | | {ratio:.0%} (bar >= 50%: {'met' if ratio >= 0.5 else 'NOT met'}) | |")
    print(f"article server time over {len(timed.server_ms)} sequential requests: p50 {p50:.2f} ms "
          f"(bar < 5 ms: {'met' if p50 < 5 else 'NOT met'}), p90 {p90:.2f} ms; errors {errors}")
    return 0 if ratio >= 0.5 and p50 < 5 and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
