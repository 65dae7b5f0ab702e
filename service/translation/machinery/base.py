"""The machine-translation engine base class: every engine is a plugin on it.

The base owns what every provider needs: batching by count and characters, placeholder masking
(translators' ``{1}…{/1}`` tags become markers the engine leaves alone, then come back), a check
that every placeholder survived, and an HTTP timeout. A subclass implements ``translate_masked``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

# Escaped braces ("{{", "}}") are matched first so that "{{1}}" (literal text) is never a placeholder.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(/?)(\d+)(/?)\}")
MARKER = re.compile(r"<(/?)x(\d+)(/?)>")


class EngineError(Exception):
    """An engine could not deliver. ``retryable`` errors are retried with backoff by the worker."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


def mask(text: str) -> str:
    """``{1}`` → ``<x1>``, ``{/1}`` → ``</x1>``, ``{2/}`` → ``<x2/>``: XML-like markers engines keep."""
    return PLACEHOLDER.sub(lambda m: f"<{m.group(1)}x{m.group(2)}{m.group(3)}>" if m.group(2) else m.group(0), text)


def unmask(text: str) -> str:
    return MARKER.sub(lambda m: "{" + m.group(1) + m.group(2) + m.group(3) + "}", text)


def placeholder_tokens(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(2))


class Engine:
    name: ClassVar[str] = "base"
    label: ClassVar[str] = "Machine translation"
    timeout: ClassVar[float] = 20.0  # seconds for one provider request
    batch_size: ClassVar[int] = 25  # texts per provider request
    max_chars: ClassVar[int] = 5000  # characters per provider request

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = settings or {}
        if self.settings.get("timeout"):
            self.timeout = float(self.settings["timeout"])  # type: ignore[misc]

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

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str | None]:
        """Translate texts with placeholders; ``None`` where the engine offers nothing."""
        results: list[str | None] = [None] * len(texts)
        for group in self.chunks(texts):
            masked = [mask(texts[i]) for i in group]
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
        return results

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        raise NotImplementedError
