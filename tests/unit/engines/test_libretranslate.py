"""LibreTranslate against a local server speaking its /translate API."""

from __future__ import annotations

from typing import Any

import pytest

from service.errors import InvalidInput
from service.translation.machinery import get_engine
from service.translation.machinery.libretranslate import LibreTranslateEngine
from tests.unit.engines.contract import EngineContract, expected
from tests.unit.engines.servers import API_KEY, LibreTranslateHandler, ProviderServer


class TestLibreTranslate(EngineContract):
    engine = LibreTranslateEngine
    handler = LibreTranslateHandler

    def settings(self, server: ProviderServer) -> dict[str, Any]:
        return {"url": server.url + "/", "api_key": API_KEY}

    def sent_texts(self, server: ProviderServer) -> list[list[str]]:
        return [r.body["q"] for r in server.requests]

    def test_request_shape(self, server: ProviderServer) -> None:
        text = "Keep {1}this link{/1} & that{2/}."
        assert self.make(server).translate([text], "en", "ru") == [expected(text)]
        [request] = server.requests
        assert request.path == "/translate"
        assert request.body == {"q": ["Keep <x1>this link</x1> &amp; that<x2/>."], "source": "en", "target": "ru",
                                "format": "html", "api_key": API_KEY}

    def test_html_parser_rewrites_of_markers_are_undone(self, server: ProviderServer) -> None:
        # The server answers <x2></x2> for <x2/>, as LibreTranslate's HTML handling does.
        assert self.make(server).translate(["Line{2/}break"], "en", "ru") == ["LINE{2/}BREAK"]


def test_missing_url_names_the_variable() -> None:
    with pytest.raises(InvalidInput, match="TRANSDESK_LIBRETRANSLATE_URL"):
        get_engine("libretranslate", {"api_key": "k"})
