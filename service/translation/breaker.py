"""A circuit breaker per MT engine, shared by every worker when the broker is Redis.

pybreaker does the state machine (closed → open after ``fail_max`` failures in a row → half-open
after ``reset_timeout``, where one probe call decides). Only retryable engine errors count: a
provider that is down or throttling opens the circuit; a text the engine mangled does not.
With Redis the state lives there (under the broker's key prefix), so one worker's failures protect
all of them; on the embedded broker it is kept per process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pybreaker
from flask import current_app

from service.translation.machinery import EngineError

T = TypeVar("T")
FAIL_MAX = 5

_breakers: dict[tuple[str, str], pybreaker.CircuitBreaker] = {}
_lock = threading.Lock()


class CircuitOpen(EngineError):
    """The engine's circuit is open: retry after ``retry_after`` seconds without calling it."""

    def __init__(self, engine: str, retry_after: float) -> None:
        super().__init__(f"{engine}: too many recent failures; paused for {retry_after:.0f} s", retryable=True)
        self.retry_after = retry_after


def _counts(exc: BaseException) -> bool:
    return isinstance(exc, EngineError) and exc.retryable


def _storage(engine: str) -> pybreaker.CircuitBreakerStorage:
    url = str(current_app.config["CELERY"]["broker_url"])
    if url.startswith(("redis://", "rediss://")):
        import redis

        prefix = str(current_app.config.get("TRANSDESK_BROKER_KEY_PREFIX") or "")
        return pybreaker.CircuitRedisStorage(pybreaker.STATE_CLOSED, redis.Redis.from_url(url),
                                             namespace=f"{prefix}transdesk:breaker:{engine}")
    return pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)


def breaker(engine: str) -> pybreaker.CircuitBreaker:
    key = (engine, str(current_app.config["CELERY"]["broker_url"]))
    with _lock:
        if key not in _breakers:
            _breakers[key] = pybreaker.CircuitBreaker(
                fail_max=FAIL_MAX, reset_timeout=float(current_app.config["TRANSDESK_BREAKER_RESET"]),
                exclude=[lambda e: not _counts(e)],
                state_storage=_storage(engine), name=engine, throw_new_error_on_trip=False,
            )
        return _breakers[key]


def call(engine: str, func: Callable[..., T], *args: Any) -> T:
    """Run ``func`` through the engine's breaker; an open circuit raises ``CircuitOpen``."""
    try:
        return breaker(engine).call(func, *args)
    except pybreaker.CircuitBreakerError:
        raise CircuitOpen(engine, float(breaker(engine).reset_timeout)) from None
