"""DeepL against a local server speaking its /v2/translate API."""

from __future__ import annotations

from typing import Any

import pytest

from service.errors import InvalidInput
from service.translation.machinery import EngineError, get_engine
from service.translation.machinery.deepl import FREE_URL, PRO_URL, DeepLEngine
from tests.unit.engines.contract import EngineContract, expected
from tests.unit.engines.servers import API_KEY, DeepLHandler, ProviderServer


class TestDeepL(EngineContract):
    engine = DeepLEngine
    handler = DeepLHandler

    def settings(self, server: ProviderServer) -> dict[str, Any]:
        return {"url": server.url, "api_key": API_KEY}

    def sent_texts(self, server: ProviderServer) -> list[list[str]]:
        return [r.body["text"] for r in server.requests]

    def test_request_shape(self, server: ProviderServer) -> None:
        text = "Keep {1}this link{/1} & that{2/}."
        assert self.make(server).translate([text], "en", "ru") == [expected(text)]
        [request] = server.requests
        assert request.path == "/v2/translate"
        assert request.headers["Authorization"] == f"DeepL-Auth-Key {API_KEY}"
        assert request.body == {"text": ["Keep <x1>this link</x1> &amp; that<x2/>."], "source_lang": "EN",
                                "target_lang": "RU", "tag_handling": "xml", "non_splitting_tags": ["x1", "x2"]}

    def test_english_target_gets_a_variant(self, server: ProviderServer) -> None:
        self.make(server).translate(["Привет."], "ru", "en")
        assert (server.requests[0].body["source_lang"], server.requests[0].body["target_lang"]) == ("RU", "EN-US")

    def test_quota_exceeded_is_not_retryable(self, server: ProviderServer) -> None:
        server.mode = "456"
        with pytest.raises(EngineError, match="quota exceeded") as exc:
            self.make(server).translate(["Hello."], "en", "ru")
        assert not exc.value.retryable


def test_free_and_pro_keys_choose_their_endpoint() -> None:
    assert DeepLEngine({"api_key": "abc:fx"}).base_url() == FREE_URL
    assert DeepLEngine({"api_key": "abc"}).base_url() == PRO_URL
    assert DeepLEngine({"api_key": "abc", "url": "http://proxy/"}).base_url() == "http://proxy"


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(InvalidInput, match="TRANSDESK_DEEPL_API_KEY"):
        get_engine("deepl", {"url": ""})
