"""A no-op task for ``bench/pipeline.py``: measures the raw Celery round trip on this broker.

Results are ignored in this project, so the task reports completion by ``INCR`` on a Redis key the
benchmark names (under its own broker key prefix); the benchmark polls that counter.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from celery import shared_task
from flask import current_app


@lru_cache(maxsize=4)
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


@shared_task(name="transdesk.noop", ignore_result=True, acks_late=True)
def noop(*, counter: str) -> None:
    _client(str(current_app.config["TRANSDESK_BROKER_URL"])).incr(counter)
