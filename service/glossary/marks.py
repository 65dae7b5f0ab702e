"""Glossary hits highlighted in the editor's source column: ``<mark class="term" title="…">``.

``glossary_marks(source_html, hits)`` takes the source as the editor already shows it (escaped text
with placeholders as tag chips, see the ``tagchips`` filter) and wraps each hit term in a ``<mark>``
inside text only: tags are never split, chip labels ("1", "/1") are never marked, and a term that a
chip cuts in two stays unmarked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from markupsafe import Markup, escape

from service.glossary.services import TOKEN, Hit

TAG = re.compile(r"(<[^>]*>)")
CHIP_OPEN = re.compile(r"""<span\b[^>]*\bclass=["']tag\b""")
MARK_OPEN = re.compile(r"<mark\b")


def _pattern(term: str) -> str:
    tokens = [(m.start(), m.end(), m.group(0)) for m in TOKEN.finditer(term)]
    out = []
    for index, (start, _end, text) in enumerate(tokens):
        if index and start > tokens[index - 1][1]:
            out.append(r"\s+")
        out.append(re.escape(text))
    head = r"(?<!\w)" if tokens[0][2][0].isalnum() or tokens[0][2][0] == "_" else ""
    tail = r"(?!\w)" if tokens[-1][2][-1].isalnum() or tokens[-1][2][-1] == "_" else ""
    return head + "".join(out) + tail


def _compile(hits: Sequence[Hit]) -> list[tuple[re.Pattern[str], str]]:
    """One regex per distinct term, longest first, with the hover text."""
    seen: dict[tuple[str, bool], Hit] = {}
    for hit in hits:
        if TOKEN.search(hit.term):
            seen.setdefault((hit.term, hit.case_sensitive), hit)
    ordered = sorted(seen.values(), key=lambda h: -len(h.term))
    return [(re.compile(_pattern(h.term), 0 if h.case_sensitive else re.IGNORECASE), h.title) for h in ordered]


def _mark_text(chunk: str, patterns: list[tuple[re.Pattern[str], str]]) -> str:
    text = html.unescape(chunk)
    spans: list[tuple[int, int, str]] = []
    for pattern, title in patterns:
        for match in pattern.finditer(text):
            if not any(match.start() < end and start < match.end() for start, end, _t in spans):
                spans.append((match.start(), match.end(), title))
    if not spans:
        return chunk
    out, last = [], 0
    for start, end, title in sorted(spans):
        out += [str(escape(text[last:start])), f'<mark class="term" title="{escape(title)}">',
                str(escape(text[start:end])), "</mark>"]
        last = end
    return "".join(out) + str(escape(text[last:]))


def glossary_marks(source_html: str, hits: Sequence[Hit] | None) -> Markup:
    """``source_html`` (already safe HTML) with every hit term wrapped in ``<mark class="term">``."""
    patterns = _compile(hits or ())
    if not patterns or not source_html:
        return Markup(source_html or "")
    out: list[str] = []
    skip: str | None = None  # the closing tag that ends a chip or an existing mark
    for part in TAG.split(str(source_html)):
        if part.startswith("<") and part.endswith(">"):
            if skip is None and CHIP_OPEN.match(part):
                skip = "</span>"
            elif skip is None and MARK_OPEN.match(part):
                skip = "</mark>"
            elif skip is not None and part.lower().startswith(skip):
                skip = None
            out.append(part)
        else:
            out.append(part if skip else _mark_text(part, patterns))
    return Markup("".join(out))
