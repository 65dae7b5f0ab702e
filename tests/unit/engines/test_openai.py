"""OpenAI-compatible chat completions against a local server (as OpenAI, Ollama or vLLM answer)."""

from __future__ import annotations

from typing import Any

import pytest

from service.errors import InvalidInput
from service.translation.machinery import EngineError, get_engine
from service.translation.machinery.openai import OpenAIEngine, parse_translations
from tests.unit.engines.contract import EngineContract, expected
from tests.unit.engines.servers import API_KEY, OpenAIHandler, ProviderServer


class TestOpenAI(EngineContract):
    engine = OpenAIEngine
    handler = OpenAIHandler

    def settings(self, server: ProviderServer) -> dict[str, Any]:
        return {"url": server.url + "/v1", "api_key": API_KEY, "model": "qwen2.5:7b"}

    def sent_texts(self, server: ProviderServer) -> list[list[str]]:
        import json

        return [json.loads(r.body["messages"][-1]["content"]) for r in server.requests]

    def test_request_shape(self, server: ProviderServer) -> None:
        text = "Keep {1}this link{/1} & that{2/}."
        assert self.make(server).translate([text], "en", "ru") == [expected(text)]
        [request] = server.requests
        assert request.path == "/v1/chat/completions"
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"
        assert request.body["model"] == "qwen2.5:7b"
        system, user = request.body["messages"]
        assert system["role"] == "system" and "JSON array" in system["content"] and "<x1>" in system["content"]
        assert "from en to ru" in system["content"]
        assert user == {"role": "user", "content": '["Keep <x1>this link</x1> & that<x2/>."]'}

    def test_no_key_sends_no_authorization(self, server: ProviderServer) -> None:
        self.make(server, api_key="").translate(["Hello."], "en", "ru")
        assert "Authorization" not in server.requests[0].headers


@pytest.mark.parametrize("content", [
    '["A", "B"]',
    'Sure!\n```json\n["A", "B"]\n```\nAnything else?',
    '{"translations": ["A", "B"]}',
])
def test_answers_are_parsed_robustly(content: str) -> None:
    assert parse_translations(content, 2) == ["A", "B"]


@pytest.mark.parametrize("content", ['["A"]', "A\nB", '["A", 2]', "", '{"text": "A"}'])
def test_wrong_answers_are_retryable(content: str) -> None:
    with pytest.raises(EngineError, match="malformed") as exc:
        parse_translations(content, 2)
    assert exc.value.retryable


def test_missing_settings_name_the_variables() -> None:
    with pytest.raises(InvalidInput, match="TRANSDESK_OPENAI_BASE_URL"):
        get_engine("openai", {"model": "m"})
    with pytest.raises(InvalidInput, match="TRANSDESK_OPENAI_MODEL"):
        get_engine("openai", {"url": "http://localhost:11434/v1"})
