"""The contract every provider engine meets, run against its local server (servers.py).

A provider's test class inherits ``EngineContract`` and names its engine, its server's handler and
the settings pointing the engine at that server.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from service.translation.machinery import EngineError
from service.translation.machinery.base import CACHE, Engine
from tests.unit.engines.servers import ProviderHandler, ProviderServer, serve

PLACEHOLDER = re.compile(r"(\{/?\d+/?\})")
TEXTS = [
    "Russian Foreign Minister Sergei Lavrov {1}recently announced{/1} that Russia was fine with it.",
    "The {1}Report.az{/1} outlet quoted the spokesperson{2/} as saying so on Thursday.",
    "AT&T's <b>bold</b> claim: 3 < 4 & \"quotes\" stay {{literal}}.",
    "Recruits were supposedly being sent to a training camp in Russia.",
]


def expected(text: str) -> str:
    """What the local servers' "translation" (upper-casing outside tags) should give back."""
    return "".join(p if PLACEHOLDER.fullmatch(p) else p.upper() for p in PLACEHOLDER.split(text))


class EngineContract:
    engine: ClassVar[type[Engine]]
    handler: ClassVar[type[ProviderHandler]]

    def settings(self, server: ProviderServer) -> dict[str, Any]:
        raise NotImplementedError

    @pytest.fixture
    def server(self) -> Iterator[ProviderServer]:
        yield from serve(self.handler)

    @pytest.fixture(autouse=True)
    def empty_cache(self) -> Iterator[None]:
        CACHE.clear()
        yield
        CACHE.clear()

    def make(self, server: ProviderServer, *, batch_size: int | None = None, max_chars: int | None = None,
             **settings: Any) -> Engine:
        cls = self.engine
        if batch_size or max_chars:
            limits = {"batch_size": batch_size or cls.batch_size, "max_chars": max_chars or cls.max_chars}
            cls = type(f"Small{cls.__name__}", (cls,), limits)
        return cls({**self.settings(server), **settings})

    def sent_texts(self, server: ProviderServer) -> list[list[str]]:
        """The texts of each request the server saw (each provider names the list differently)."""
        raise NotImplementedError

    def test_translates_a_batch_in_order_keeping_placeholders(self, server: ProviderServer) -> None:
        outputs = self.make(server).translate(TEXTS, "en", "ru")
        assert outputs == [expected(text) for text in TEXTS]
        assert len(server.requests) == 1
        assert len(self.sent_texts(server)[0]) == len(TEXTS)
        assert "{1}" not in str(server.requests[0].body)  # placeholders travelled as markers

    def test_self_closing_and_paired_placeholders_survive(self, server: ProviderServer) -> None:
        text = "A {1}link{/1}, a break{2/} and {3}{4/}nested{/3}."
        assert self.make(server).translate([text], "en", "ru") == [expected(text)]

    def test_batches_by_count(self, server: ProviderServer) -> None:
        texts = [f"Sentence number {i}." for i in range(5)]
        outputs = self.make(server, batch_size=2).translate(texts, "en", "ru")
        assert outputs == [expected(text) for text in texts]
        assert [len(sent) for sent in self.sent_texts(server)] == [2, 2, 1]

    def test_batches_by_characters(self, server: ProviderServer) -> None:
        texts = ["a" * 30, "b" * 30, "c" * 10, "d" * 80]
        outputs = self.make(server, max_chars=50).translate(texts, "en", "ru")
        assert outputs == [expected(text) for text in texts]
        # 30 alone (30+30 > 50), then 30+10, then 80 alone (longer than the limit, but whole).
        assert [len(sent) for sent in self.sent_texts(server)] == [1, 2, 1]

    def test_timeout_is_retryable_and_prompt(self, server: ProviderServer) -> None:
        server.mode = "hang"
        started = time.monotonic()
        with pytest.raises(EngineError) as exc:
            self.make(server, timeout=0.3).translate(["Hello."], "en", "ru")
        assert 0.25 < time.monotonic() - started < 2.0
        assert exc.value.retryable and "0.3s" in str(exc.value)

    def test_rate_limit_is_retryable_with_retry_after(self, server: ProviderServer) -> None:
        server.mode = "429"
        with pytest.raises(EngineError) as exc:
            self.make(server).translate(["Hello."], "en", "ru")
        assert exc.value.retryable and exc.value.retry_after == 7.0
        assert "429" in str(exc.value)

    @pytest.mark.parametrize("status", ["500", "503"])
    def test_server_errors_are_retryable(self, server: ProviderServer, status: str) -> None:
        server.mode = status
        with pytest.raises(EngineError) as exc:
            self.make(server).translate(["Hello."], "en", "ru")
        assert exc.value.retryable and status in str(exc.value)

    def test_refused_request_is_not_retryable(self, server: ProviderServer) -> None:
        server.mode = "403"
        with pytest.raises(EngineError) as exc:
            self.make(server).translate(["Hello."], "en", "ru")
        assert not exc.value.retryable

    @pytest.mark.parametrize("mode", ["malformed", "garbage"])
    def test_malformed_answer_is_a_retryable_engine_error(self, server: ProviderServer, mode: str) -> None:
        server.mode = mode
        with pytest.raises(EngineError, match="malformed") as exc:
            self.make(server).translate(["Hello."], "en", "ru")
        assert exc.value.retryable

    def test_cache_hit_makes_no_second_request(self, server: ProviderServer) -> None:
        assert self.make(server).translate(TEXTS[:2], "en", "ru") == [expected(t) for t in TEXTS[:2]]
        assert len(server.requests) == 1
        assert self.make(server).translate(TEXTS[:2], "en", "ru") == [expected(t) for t in TEXTS[:2]]
        assert len(server.requests) == 1
        # Only the new text is sent; another target language is another cache entry.
        self.make(server).translate([TEXTS[0], TEXTS[3]], "en", "ru")
        assert [len(sent) for sent in self.sent_texts(server)] == [2, 1]
        self.make(server).translate([TEXTS[0]], "en", "de")
        assert len(server.requests) == 3

    def test_no_secret_in_errors_or_cache_keys(self, server: ProviderServer) -> None:
        engine = self.make(server)
        secret = str(engine.settings.get("api_key") or "")
        if secret:
            assert secret not in engine.fingerprint()
        server.mode = "500"
        with pytest.raises(EngineError) as exc:
            engine.translate(["Hello."], "en", "ru")
        assert not secret or secret not in str(exc.value)
