"""What the benchmarks share: a fresh PostgreSQL database per run (always dropped afterwards), and the table
of figures with their bars that they print."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

PG_SERVER = os.environ.get("TRANSDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"transdesk_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# One printed row: what was measured, the figure, the bar it is held to, and whether it passed (None: no bar).
Row = tuple[str, str, str, bool | None]


def print_figures(rows: Sequence[Row], value_width: int = 12, bar_width: int = 20) -> bool:
    """Print the figures as an aligned table with PASS/FAIL beside each bar; True when no bar failed."""
    width = max(len(row[0]) for row in rows)
    print()
    print(f"{'figure':<{width}}  {'measured':>{value_width}}  {'bar':<{bar_width}}  result")
    for name, value, bar, ok in rows:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{name:<{width}}  {value:>{value_width}}  {bar:<{bar_width}}  {verdict}")
    return all(ok is not False for *_rest, ok in rows)
