"""The machine-translation engine base class: every engine is a plugin on it.

The base owns what every provider needs: batching by count and characters, placeholder masking
(translators' ``{1}…{/1}`` tags become markers the engine leaves alone, then come back), a check
that every placeholder survived, an HTTP timeout, required settings (a missing one names its
``TRANSDESK_…`` variable) and, for engines that pay per character, a result cache.
A subclass implements ``translate_masked``.

A call may carry a glossary (source term → wanted target term). Engines that can use one set
``accepts_glossary`` and take it as ``translate_masked(…, glossary=…)`` (DeepL's glossary API, an LLM's
prompt); the others ignore it. The glossary is part of the cache key for the engines that use it.

The cache is an in-process LRU (per worker process, lost on restart): re-imports and re-queued
batches repeat texts, and a provider call costs money and quota. Its key holds the engine name, a
fingerprint of the settings that change output (secrets only as hashes), the languages and the text.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from service.errors import InvalidInput

# Escaped braces ("{{", "}}") are matched first so that "{{1}}" (literal text) is never a placeholder.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(/?)(\d+)(/?)\}")
MARKER = re.compile(r"<(/?)x(\d+)(/?)>")


class EngineError(Exception):
    """An engine could not deliver. ``retryable`` errors are retried with backoff by the worker."""

    def __init__(self, message: str, *, retryable: bool = True, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the provider asked us to wait (HTTP 429 Retry-After)


class ResultCache:
    """A thread-safe LRU of finished translations (Celery may run a worker's tasks in threads)."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, ...], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> str | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, ...], value: str) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


CACHE = ResultCache()
SECRET = re.compile(r"key|secret|token|password", re.IGNORECASE)
# Settings that never change what an engine returns, so they stay out of the cache key.
NOT_OUTPUT = {"timeout"}


def mask(text: str) -> str:
    """``{1}`` → ``<x1>``, ``{/1}`` → ``</x1>``, ``{2/}`` → ``<x2/>``: XML-like markers engines keep."""
    return PLACEHOLDER.sub(lambda m: f"<{m.group(1)}x{m.group(2)}{m.group(3)}>" if m.group(2) else m.group(0), text)


def unmask(text: str) -> str:
    return MARKER.sub(lambda m: "{" + m.group(1) + m.group(2) + m.group(3) + "}", text)


def glossary_hash(glossary: Mapping[str, str]) -> str:
    """A stable hash of a glossary's content (cache keys, DeepL glossary ids)."""
    return hashlib.sha256(json.dumps(sorted(glossary.items()), ensure_ascii=False).encode()).hexdigest()


def placeholder_tokens(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(2))


class Engine:
    name: ClassVar[str] = "base"
    label: ClassVar[str] = "Machine translation"
    timeout: ClassVar[float] = 20.0  # seconds for one provider request
    batch_size: ClassVar[int] = 25  # texts per provider request
    max_chars: ClassVar[int] = 5000  # characters per provider request
    cached: ClassVar[bool] = False  # providers that cost money or quota turn the result cache on
    # Setting name → configuration key (without the TRANSDESK_ prefix); see settings_from_config().
    config_keys: ClassVar[dict[str, str]] = {}
    required: ClassVar[tuple[str, ...]] = ()
    accepts_glossary: ClassVar[bool] = False  # translate_masked takes glossary=

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = settings or {}
        if self.settings.get("timeout"):
            self.timeout = float(self.settings["timeout"])  # type: ignore[misc]
        for setting in self.required:
            if not self.settings.get(setting):
                variable = "TRANSDESK_" + self.config_keys.get(setting, setting.upper())
                raise InvalidInput(f"MT engine {self.name!r} is not available: set {variable}")

    def setting(self, name: str, default: str = "") -> str:
        return str(self.settings.get(name) or default)

    def fingerprint(self) -> str:
        """The settings that shape output, secrets hashed, as one stable string for cache keys."""
        shown = {
            name: hashlib.sha256(str(value).encode()).hexdigest() if SECRET.search(name) else value
            for name, value in self.settings.items() if name not in NOT_OUTPUT
        }
        return json.dumps(shown, sort_keys=True, default=str)

    def chunks(self, texts: Sequence[str]) -> Iterator[list[int]]:
        """Indexes of ``texts`` grouped so that each group respects batch_size and max_chars."""
        group: list[int] = []
        size = 0
        for index, text in enumerate(texts):
            if group and (len(group) >= self.batch_size or size + len(text) > self.max_chars):
                yield group
                group, size = [], 0
            group.append(index)
            size += len(text)
        if group:
            yield group

    def translate(self, texts: Sequence[str], source: str, target: str,
                  glossary: Mapping[str, str] | None = None) -> list[str | None]:
        """Translate texts with placeholders; ``None`` where the engine offers nothing.

        ``glossary`` maps source terms to the target terms to use; ignored unless ``accepts_glossary``.
        """
        terms = dict(glossary or {}) if self.accepts_glossary else {}
        results: list[str | None] = [None] * len(texts)
        keys: list[tuple[str, ...]] = []
        pending = list(range(len(texts)))
        if self.cached:
            fingerprint = self.fingerprint()
            extra = (glossary_hash(terms),) if terms else ()
            keys = [(self.name, fingerprint, source, target, text, *extra) for text in texts]
            hits = {i: CACHE.get(keys[i]) for i in pending}
            results = [hits[i] for i in range(len(texts))]
            pending = [i for i in pending if hits[i] is None]
        todo = [texts[i] for i in pending]
        for chunk in self.chunks(todo):
            group = [pending[j] for j in chunk]
            masked = [mask(texts[i]) for i in group]
            if terms:  # only engines with accepts_glossary have the keyword; the others keep the plain signature
                with_glossary: Callable[..., list[str | None]] = self.translate_masked
                outputs = with_glossary(masked, source, target, glossary=terms)
            else:
                outputs = self.translate_masked(masked, source, target)
            if len(outputs) != len(masked):
                raise EngineError(f"{self.name} returned {len(outputs)} results for {len(masked)} texts")
            for i, output in zip(group, outputs, strict=True):
                if output is None:
                    continue
                restored = unmask(output)
                if placeholder_tokens(restored) != placeholder_tokens(texts[i]):
                    raise EngineError(f"{self.name} lost or changed inline tags", retryable=False)
                results[i] = restored
                if self.cached:
                    CACHE.put(keys[i], restored)
        return results

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        raise NotImplementedError
