"""Google Cloud Translation v2 against a local server speaking its REST API."""

from __future__ import annotations

from typing import Any

import pytest

from service.errors import InvalidInput
from service.translation.machinery import get_engine
from service.translation.machinery.google import GoogleEngine
from tests.unit.engines.contract import EngineContract, expected
from tests.unit.engines.servers import API_KEY, GoogleHandler, ProviderServer


class TestGoogle(EngineContract):
    engine = GoogleEngine
    handler = GoogleHandler

    def settings(self, server: ProviderServer) -> dict[str, Any]:
        return {"url": server.url, "api_key": API_KEY}

    def sent_texts(self, server: ProviderServer) -> list[list[str]]:
        return [r.body["q"] for r in server.requests]

    def test_request_shape(self, server: ProviderServer) -> None:
        text = "Keep {1}this link{/1} & Pashinyan's{2/}."
        # Google answers "PASHINYAN&#39;S": entities are undone.
        assert self.make(server).translate([text], "en", "ru") == [expected(text)]
        [request] = server.requests
        assert request.path == "/language/translate/v2"
        assert request.query == {"key": API_KEY}
        assert request.body == {"q": ["Keep <x1>this link</x1> &amp; Pashinyan's<x2/>."], "source": "en",
                                "target": "ru", "format": "html"}

    def test_invalid_key_is_not_retryable_and_not_shown(self, server: ProviderServer) -> None:
        from service.translation.machinery import EngineError

        with pytest.raises(EngineError, match="API key not valid") as exc:
            self.make(server, api_key="wrong-secret").translate(["Hello."], "en", "ru")
        assert not exc.value.retryable and "wrong-secret" not in str(exc.value)


def test_default_url_and_missing_key() -> None:
    assert GoogleEngine({"api_key": "k"}).setting("url", "x") == "x"
    with pytest.raises(InvalidInput, match="TRANSDESK_GOOGLE_API_KEY"):
        get_engine("google", {"url": "https://translation.googleapis.com"})
