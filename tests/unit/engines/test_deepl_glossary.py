"""DeepL glossaries against a local server speaking /v2/glossaries and /v2/translate with glossary_id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest

from service.translation.machinery import EngineError, deepl
from service.translation.machinery.base import CACHE
from service.translation.machinery.deepl import DeepLEngine
from tests.unit.engines.servers import API_KEY, DeepLHandler, ProviderServer, Recorded, serve, transform

TERMS = {"ceasefire": "прекращение огня", "Nikol Pashinyan": "Никол Пашинян"}


class DeepLGlossaryHandler(DeepLHandler):
    """https://developers.deepl.com/api-reference/multilingual-glossaries (v2): POST /v2/glossaries creates
    one from TSV entries and answers 201 with its id; /v2/translate then applies it by ``glossary_id``."""

    glossaries: ClassVar[dict[str, dict[str, str]]] = {}

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/v2/glossaries":
            return super().do_POST()
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.server.requests.append(Recorded("/v2/glossaries", {}, dict(self.headers.items()), body))
        if self.headers.get("Authorization") != f"DeepL-Auth-Key {API_KEY}":
            return self.send(403, self.error("Wrong endpoint or authorization"))
        missing = {"name", "source_lang", "target_lang", "entries", "entries_format"} - set(body)
        if missing or body["entries_format"] != "tsv":
            return self.send(400, self.error(f"Missing or bad parameters: {sorted(missing)}"))
        entries = dict(line.split("\t") for line in body["entries"].split("\n"))
        glossary_id = f"def3a26b-{len(self.glossaries):04d}"
        self.glossaries[glossary_id] = entries
        self.send(201, {"glossary_id": glossary_id, "name": body["name"], "ready": True,
                        "source_lang": body["source_lang"], "target_lang": body["target_lang"],
                        "creation_time": "2026-11-25T23:00:00Z", "entry_count": len(entries)})

    def check(self, body: Any, query: dict[str, str]) -> tuple[int, str] | None:
        glossary_id = body.get("glossary_id") if isinstance(body, dict) else None
        if glossary_id is not None:
            if glossary_id not in self.glossaries:
                return 404, "Glossary not found"
            if not body.get("source_lang"):
                return 400, "source_lang is required when a glossary is used"
        return super().check(body, query)

    def answer(self, body: Any) -> Any:
        entries = self.glossaries.get(body.get("glossary_id", ""), {})
        out = []
        for text in body["text"]:
            translated = transform(text, xml=True)
            for source, target in entries.items():
                translated = translated.replace(source.upper(), target)
            out.append({"detected_source_language": "EN", "text": translated})
        return {"translations": out}


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    DeepLGlossaryHandler.glossaries.clear()
    deepl._glossary_ids.clear()
    CACHE.clear()
    yield from serve(DeepLGlossaryHandler)
    CACHE.clear()


def engine(server: ProviderServer) -> DeepLEngine:
    return DeepLEngine({"url": server.url, "api_key": API_KEY})


def test_glossary_is_created_from_tsv_and_used_by_id(server: ProviderServer) -> None:
    out = engine(server).translate(["The {1}ceasefire{/1} held."], "en", "ru", glossary=TERMS)
    assert out == ["THE {1}прекращение огня{/1} HELD."]
    created, translated = server.requests
    assert created.path == "/v2/glossaries"
    assert created.headers["Authorization"] == f"DeepL-Auth-Key {API_KEY}"
    assert created.body["entries"] == "Nikol Pashinyan\tНикол Пашинян\nceasefire\tпрекращение огня"
    assert (created.body["source_lang"], created.body["target_lang"], created.body["entries_format"]) == \
        ("en", "ru", "tsv")
    assert translated.path == "/v2/translate"
    assert translated.body["glossary_id"] == "def3a26b-0000" and translated.body["source_lang"] == "EN"


def test_the_glossary_id_is_reused_until_the_terms_change(server: ProviderServer) -> None:
    engine(server).translate(["The ceasefire held."], "en", "ru", glossary=TERMS)
    engine(server).translate(["Nikol Pashinyan spoke."], "en", "ru", glossary=dict(TERMS))
    assert [r.path for r in server.requests] == ["/v2/glossaries", "/v2/translate", "/v2/translate"]
    changed = {**TERMS, "Dream": "«Мечта»"}
    assert engine(server).translate(["The Dream won."], "en", "ru", glossary=changed) == ["THE «Мечта» WON."]
    assert [r.path for r in server.requests][3:] == ["/v2/glossaries", "/v2/translate"]
    assert server.requests[-1].body["glossary_id"] == "def3a26b-0001"


def test_the_glossary_is_part_of_the_cache_key(server: ProviderServer) -> None:
    plain = engine(server).translate(["The ceasefire held."], "en", "ru")
    with_terms = engine(server).translate(["The ceasefire held."], "en", "ru", glossary=TERMS)
    assert plain == ["THE CEASEFIRE HELD."] and with_terms == ["THE прекращение огня HELD."]
    assert "glossary_id" not in server.requests[0].body
    engine(server).translate(["The ceasefire held."], "en", "ru", glossary=TERMS)
    assert len(server.requests) == 3  # the second glossary call came from the cache


def test_an_empty_glossary_sends_none(server: ProviderServer) -> None:
    engine(server).translate(["The ceasefire held."], "en", "ru", glossary={})
    [request] = server.requests
    assert request.path == "/v2/translate" and "glossary_id" not in request.body


def test_a_glossary_deleted_at_deepl_is_made_again(server: ProviderServer) -> None:
    engine(server).translate(["The ceasefire held."], "en", "ru", glossary=TERMS)
    DeepLGlossaryHandler.glossaries.clear()  # someone deleted it in DeepL's console
    assert engine(server).translate(["The ceasefire ended."], "en", "ru", glossary=TERMS) == \
        ["THE прекращение огня ENDED."]
    assert [r.path for r in server.requests] == ["/v2/glossaries", "/v2/translate", "/v2/translate",
                                                 "/v2/glossaries", "/v2/translate"]
    assert server.requests[2].body["glossary_id"] == "def3a26b-0000"
    assert server.requests[4].body["glossary_id"] == "def3a26b-0000"  # the server numbers from its own count


def test_other_refusals_are_not_retried_with_a_new_glossary(server: ProviderServer) -> None:
    engine(server).translate(["The ceasefire held."], "en", "ru", glossary=TERMS)
    server.mode = "456"
    with pytest.raises(EngineError, match="quota exceeded"):
        engine(server).translate(["The ceasefire ended."], "en", "ru", glossary=TERMS)
    assert [r.path for r in server.requests][2:] == ["/v2/translate"]
