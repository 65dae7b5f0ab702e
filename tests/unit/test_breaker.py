"""The per-engine circuit breaker: opens after repeated provider failures, probes once when half-open."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from service.translation.machinery import EngineError


class Provider:
    def __init__(self) -> None:
        self.calls = 0
        self.fail: EngineError | None = EngineError("503 from provider")

    def __call__(self, text: str) -> str:
        self.calls += 1
        if self.fail:
            raise self.fail
        return text.upper()


def test_opens_after_repeated_failures_then_probes_once(app: Any) -> None:
    from service.translation import breaker

    name = f"engine-{uuid.uuid4().hex[:6]}"
    provider = Provider()
    with app.app_context():
        breaker.breaker(name).reset_timeout = 2  # Redis keeps opened_at in whole seconds
        for _ in range(breaker.FAIL_MAX):
            with pytest.raises(EngineError, match="503"):
                breaker.call(name, provider, "x")
        assert provider.calls == breaker.FAIL_MAX
        with pytest.raises(breaker.CircuitOpen) as opened:
            breaker.call(name, provider, "x")
        assert provider.calls == breaker.FAIL_MAX  # the provider was spared
        assert opened.value.retryable and opened.value.retry_after > 0

        time.sleep(2.1)  # half-open: one probe; it fails, so the circuit opens again at once
        with pytest.raises(EngineError, match="503"):
            breaker.call(name, provider, "x")
        assert provider.calls == breaker.FAIL_MAX + 1
        with pytest.raises(breaker.CircuitOpen):
            breaker.call(name, provider, "x")

        time.sleep(2.1)  # the next probe succeeds and closes the circuit
        provider.fail = None
        assert breaker.call(name, provider, "ok") == "OK"
        assert breaker.call(name, provider, "again") == "AGAIN"


def test_mangled_output_does_not_open_the_circuit(app: Any) -> None:
    from service.translation import breaker

    name = f"engine-{uuid.uuid4().hex[:6]}"
    provider = Provider()
    provider.fail = EngineError("lost inline tags", retryable=False)
    with app.app_context():
        for _ in range(breaker.FAIL_MAX + 3):
            with pytest.raises(EngineError, match="lost inline tags"):
                breaker.call(name, provider, "x")
    assert provider.calls == breaker.FAIL_MAX + 3
