"""The OpenAI-compatible engine puts the glossary terms found in a batch into its prompt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.translation.machinery.base import CACHE
from service.translation.machinery.openai import OpenAIEngine, glossary_prompt
from tests.unit.engines.servers import API_KEY, OpenAIHandler, ProviderServer, serve

TERMS = {"ceasefire": "прекращение огня", "Nikol Pashinyan": "Никол Пашинян", "Dream": "«Мечта»"}


@pytest.fixture
def server() -> Iterator[ProviderServer]:
    CACHE.clear()
    yield from serve(OpenAIHandler)
    CACHE.clear()


def engine(server: ProviderServer) -> OpenAIEngine:
    return OpenAIEngine({"url": server.url + "/v1", "api_key": API_KEY, "model": "qwen2.5:7b"})


def test_terms_in_the_batch_go_into_the_system_prompt(server: ProviderServer) -> None:
    out = engine(server).translate(["The {1}Ceasefire{/1} held.", "Nikol Pashinyan spoke."], "en", "ru",
                                   glossary=TERMS)
    assert out == ["THE {1}CEASEFIRE{/1} HELD.", "NIKOL PASHINYAN SPOKE."]
    [request] = server.requests
    system, user = request.body["messages"]
    assert "from en to ru" in system["content"] and "Use this terminology" in system["content"]
    assert '- "ceasefire" → "прекращение огня"' in system["content"]
    assert '- "Nikol Pashinyan" → "Никол Пашинян"' in system["content"]
    assert "Мечта" not in system["content"]  # not in this batch: left out of the prompt
    assert "Никол" not in user["content"]


def test_without_glossary_the_prompt_has_no_terminology(server: ProviderServer) -> None:
    engine(server).translate(["The ceasefire held."], "en", "ru")
    engine(server).translate(["The ceasefire held."], "en", "ru", glossary=TERMS)
    first, second = server.requests  # the glossary is in the cache key: the second call is not a cache hit
    assert "terminology" not in first.body["messages"][0]["content"]
    assert "прекращение огня" in second.body["messages"][0]["content"]


def test_prompt_lines_are_json_quoted() -> None:
    assert glossary_prompt({'say "no"': "«нет»"}, ['They say "no".']).endswith('- "say \\"no\\"" → "«нет»"')
    assert glossary_prompt(TERMS, ["Nothing here."]) == ""
