"""Markers through HTML/XML-mode provider APIs (LibreTranslate, Google ``format: html``, DeepL XML).

Such APIs parse the text as markup, so the text between markers must be escaped ("AT&T", "a < b")
and their answers unescaped (Google returns ``&#39;`` for apostrophes). HTML parsers also rewrite
unknown self-closing tags: ``<x2/>`` comes back as ``<x2></x2>`` or a lone ``<x2>``, sometimes
upper-cased or with spaces; ``restore_markers`` puts every marker back in the base's exact form
so the placeholder check sees what the provider really kept.
"""

from __future__ import annotations

import html
import re

from service.translation.machinery.base import MARKER, EngineError

LOOSE_MARKER = re.compile(r"<\s*(/?)\s*x(\d+)\s*(/?)\s*>", re.IGNORECASE)


def escape_markup(masked: str) -> str:
    """Escape the text around markers; markers themselves stay tags."""
    parts = MARKER.split(masked)
    # re.split with 3 groups yields: text, slash, number, slash, text, ...
    out: list[str] = []
    for index in range(0, len(parts), 4):
        out.append(html.escape(parts[index], quote=False))
        if index + 3 < len(parts):
            out.append(f"<{parts[index + 1]}x{parts[index + 2]}{parts[index + 3]}>")
    return "".join(out)


def restore_markers(output: str, sent: str) -> str:
    """Unescape a provider's markup answer and normalize its markers to the ones ``sent`` had."""
    self_closing = {m.group(2) for m in MARKER.finditer(sent) if m.group(3)}
    text = LOOSE_MARKER.sub(lambda m: f"<{m.group(1)}x{m.group(2)}{m.group(3)}>", output)
    for number in self_closing:
        # <x2></x2> and <x2> (HTML parsers) both mean the self-closing marker; drop stray closers.
        text = text.replace(f"<x{number}></x{number}>", f"<x{number}/>")
        text = text.replace(f"<x{number}>", f"<x{number}/>").replace(f"</x{number}>", "")
    parts = LOOSE_MARKER.split(text)
    out: list[str] = []
    for index in range(0, len(parts), 4):
        out.append(html.unescape(parts[index]))
        if index + 3 < len(parts):
            out.append(f"<{parts[index + 1]}x{parts[index + 2]}{parts[index + 3]}>")
    return "".join(out)


def restore_all(engine: str, outputs: list[str], sent: list[str]) -> list[str | None]:
    if len(outputs) != len(sent):
        raise EngineError(f"{engine}: malformed response ({len(outputs)} results for {len(sent)} texts)")
    return [restore_markers(output, text) for output, text in zip(outputs, sent, strict=True)]
