"""Any OpenAI-compatible chat-completions server (OpenAI, a local Ollama or vLLM, a gateway).

``POST {OPENAI_BASE_URL}/chat/completions`` asking for a JSON array of translations in the same
order, markers kept. Models wrap answers in code fences or prose, or answer ``{"translations": […]}``;
the parser accepts those. Anything else is a retryable error: a model's next answer may be fine.
Batches are small so that one answer fits a local model's context and output limit.

A glossary goes into the system prompt, limited to the terms that occur in the batch (compared
case-insensitively) so that a large glossary does not crowd the model's context.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from service.translation.machinery.base import Engine, EngineError
from service.translation.machinery.http import malformed, post_json

SYSTEM = (
    "You are a professional news translator. Translate each string of the JSON array the user sends "
    "from {source} to {target}. Keep the XML-like markers such as <x1>, </x1> and <x2/> exactly as they "
    "are, around the words they mark. Answer with only a JSON array of the translated strings, "
    "the same number of strings in the same order, and nothing else."
)

GLOSSARY = "\nUse this terminology (source term → translation), inflected as the sentence needs:\n{terms}"
MAX_PROMPT_TERMS = 200


def glossary_prompt(glossary: Mapping[str, str] | None, texts: list[str]) -> str:
    """The glossary lines for the terms that appear in ``texts``; empty when none does."""
    if not glossary:
        return ""
    haystack = "\n".join(texts).casefold()
    used = [(s, t) for s, t in glossary.items() if s.strip() and s.casefold() in haystack][:MAX_PROMPT_TERMS]
    if not used:
        return ""
    return GLOSSARY.format(terms="\n".join(f"- {json.dumps(s, ensure_ascii=False)} → "
                                           f"{json.dumps(t, ensure_ascii=False)}" for s, t in used))


def parse_translations(content: str, count: int) -> list[str]:
    """The JSON array of strings in a model's answer, tolerating fences and surrounding prose."""
    start, end = content.find("["), content.rfind("]")
    candidates = [content.strip()]
    if start != -1 and end > start:
        candidates.append(content[start:end + 1])
    for candidate in candidates:
        try:
            value: Any = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            value = value.get("translations")
        if isinstance(value, list) and len(value) == count and all(isinstance(v, str) for v in value):
            return value
    raise EngineError(f"openai: malformed response (expected a JSON array of {count} strings)")


class OpenAIEngine(Engine):
    name = "openai"
    label = "OpenAI-compatible model"
    batch_size = 20
    max_chars = 6000
    cached = True
    config_keys = {"url": "OPENAI_BASE_URL", "api_key": "OPENAI_API_KEY", "model": "OPENAI_MODEL"}
    required = ("url", "model")
    accepts_glossary = True

    def translate_masked(self, texts: list[str], source: str, target: str,
                         glossary: Mapping[str, str] | None = None) -> list[str | None]:
        system = SYSTEM.format(source=source, target=target) + glossary_prompt(glossary, texts)
        payload = {
            "model": self.setting("model"),
            "temperature": 0,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": json.dumps(texts, ensure_ascii=False)},
            ],
        }
        # Local servers (Ollama, vLLM) need no key.
        headers = {"Authorization": f"Bearer {self.setting('api_key')}"} if self.setting("api_key") else {}
        url = self.setting("url").rstrip("/") + "/chat/completions"
        body = post_json(self.name, url, payload, timeout=self.timeout, headers=headers)
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise malformed(self.name, "no choices[0].message.content") from None
        if not isinstance(content, str):
            raise malformed(self.name, "message content is not text")
        return list(parse_translations(content, len(texts)))
