"""Reader-page throughput: a published article against a bare Flask page, both under gunicorn.

Run: ``.venv/bin/python bench/reader.py [--connections 8] [--seconds 5] [--warmup 1]``
(PostgreSQL on 127.0.0.1:5432, user postgres; override with TRANSDESK_BENCH_PG).

Method: a fresh PostgreSQL database is created, migrated (``transdesk db upgrade``) and given the
sample article (``transdesk import``, which publishes the English source). Two gunicorn servers with
2 sync workers each on free loopback ports serve ``service:create_app()`` and ``bench/bare_app.py``.
The load generator is N threads, each with its own ``http.client`` connection (reused while the server
keeps it open; gunicorn's sync workers close it after every response, so it reconnects), first for a
warm-up, then for a fixed time. It prints requests/s for both, their ratio (bar: >= 50%) and the median
of the article's ``Server-Timing: app;dur=`` header (bar: p50 < 5 ms). The database is dropped and both
servers are stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="transdesk-bench-") as tmp, fresh_database() as url:
        env = clean_env(TRANSDESK_DATABASE_URL=url, TRANSDESK_INSTANCE_PATH=tmp,
                        TRANSDESK_SECRET_KEY=uuid.uuid4().hex)
        cli(env, "db", "upgrade")
        cli(env, "import", str(SAMPLE))
        article_path, bare_path = f"/en/{SLUG}", "/bare"
        app_log, bare_log = Path(tmp) / "app.log", Path(tmp) / "bare.log"
        with gunicorn("service:create_app()", env, app_log) as app_port, \
                gunicorn("bare_app:app", clean_env(), bare_log, chdir=ROOT / "bench") as bare_port:
            wait_ready(app_port, article_path, app_log)
            wait_ready(bare_port, bare_path, bare_log)
            results: dict[str, Result] = {}
            for name, port, path in (("bare", bare_port, bare_path), ("article", app_port, article_path)):
                load(port, path, args.connections, args.warmup)
                results[name] = load(port, path, args.connections, args.seconds)

    article, bare = results["article"], results["bare"]
    ratio = article.rate / bare.rate if bare.rate else 0.0
    p50 = statistics.median(article.server_ms) if article.server_ms else float("nan")
    p90 = statistics.quantiles(article.server_ms, n=10)[-1] if len(article.server_ms) > 1 else float("nan")
    print(f"gunicorn 2 sync workers each, {args.connections} connections x {args.seconds:g} s "
          f"after {args.warmup:g} s warm-up, loopback")
    print("| page | requests | errors | req/s | server time p50 (ms) | p90 (ms) |")
    print("|---|---|---|---|---|---|")
    print(f"| published article `{article_path}` | {article.requests} | {article.errors} | {article.rate:.0f} "
          f"| {p50:.2f} | {p90:.2f} |")
    print(f"| bare Flask page `{bare_path}` | {bare.requests} | {bare.errors} | {bare.rate:.0f} | – | – |")
    print(f"| ratio article / bare | | | {ratio:.0%} (bar >= 50%: {'met' if ratio >= 0.5 else 'NOT met'}) "
          f"| p50 bar < 5 ms: {'met' if p50 < 5 else 'NOT met'} | |")
    return 0 if ratio >= 0.5 and p50 < 5 and not article.errors and not bare.errors else 1


if __name__ == "__main__":
    sys.exit(main())
