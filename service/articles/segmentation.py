"""Sentence splitting and block segmentation + reassembly.

A block's HTML becomes tagged text (see ``inline``); sentence boundaries are found on the plain text and
mapped back onto the tagged text. The block is then ``gaps[0] + seg[0] + gaps[1] + ... + gaps[n]`` where gaps
hold the whitespace between sentences (and void tags such as ``<br>`` that fall between them) as HTML, so
``assemble_block`` rebuilds the exact source HTML when every target equals its source.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol

from sentencex import segment as _sentencex_segment

from .inline import VOID_ELEMENTS, Tags, escape_text, html_to_tagged, open_tag_html, tagged_to_html
from .sentence_rules import RULES, LanguageRules, RuleRefiner

# Tagged text as units: brace escapes, placeholders, and runs of plain text (a lone brace is text too).
_UNIT_RE = re.compile(r"\{\{|\}\}|\{(/?)(\d+)(/?)\}|[^{}]+|[{}]")


class Segmenter(Protocol):
    def split(self, text: str) -> list[str]:
        """Sentences of ``text`` in order, each a substring of it."""
        ...


class SentencexSegmenter:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def split(self, text: str) -> list[str]:
        return list(_sentencex_segment(self.lang, text))


class RuleSegmenter:
    """sentencex, then the language's rules (``sentence_rules``) merge wrong splits and add missed ones."""

    def __init__(self, lang: str, rules: LanguageRules) -> None:
        self.lang = lang
        self._refiner = RuleRefiner(rules)

    def split(self, text: str) -> list[str]:
        return self._refiner.refine(text, list(_sentencex_segment(self.lang, text)))


# Per-language overrides (custom rules, SRX...) register here; everything else uses sentencex.
SEGMENTERS: dict[str, Segmenter] = {lang: RuleSegmenter(lang, rules) for lang, rules in RULES.items()}


def get_segmenter(lang: str) -> Segmenter:
    base = (lang or "en").lower().replace("_", "-")
    return (
        SEGMENTERS.get(base) or SEGMENTERS.get(base.split("-")[0]) or SentencexSegmenter(base.split("-")[0])
    )


def split_sentences(text: str, lang: str) -> list[str]:
    """Plain text (one paragraph) -> sentences, surrounding whitespace stripped, empty ones dropped."""
    return [s.strip() for s in get_segmenter(lang).split(text) if s.strip()]


@dataclass
class SegmentDraft:
    source: str
    tags: Tags = field(default_factory=dict)


@dataclass
class BlockSegments:
    gaps: list[str]
    segments: list[SegmentDraft]


class _Unit:
    """A run of the tagged text that belongs wholly to one sentence or wholly to the space between two.

    Runs of plain text (not single characters) keep a block's cost proportional to its sentences and tags.
    """

    __slots__ = ("token", "plain", "kind", "tag_id")

    def __init__(self, token: str, plain: str, kind: str, tag_id: str = "") -> None:
        self.token = token  # as in the tagged text
        self.plain = plain  # what the segmenter sees ("" for paired tags, " " for void tags)
        self.kind = kind  # "text" | "open" | "close" | "void"
        self.tag_id = tag_id


def _units(tagged: str) -> list[_Unit]:
    units = []
    for m in _UNIT_RE.finditer(tagged):
        token = m.group(0)
        if m.group(2):
            kind = "close" if m.group(1) else ("void" if m.group(3) else "open")
            units.append(_Unit(token, " " if kind == "void" else "", kind, m.group(2)))
        else:
            units.append(_Unit(token, token[0] if token in ("{{", "}}") else token, "text"))
    return units


def _split_at(units: list[_Unit], spans: list[tuple[int, int]]) -> list[_Unit]:
    """Cut text runs at every sentence start and end, so that no unit straddles a boundary."""
    cuts = sorted({edge for span in spans for edge in span})
    out: list[_Unit] = []
    offset = 0
    for unit in units:
        size = len(unit.plain)
        if unit.kind == "text" and size > 1 and unit.token == unit.plain:
            first = bisect.bisect_right(cuts, offset)
            last = bisect.bisect_left(cuts, offset + size)
            start = 0
            for cut in cuts[first:last]:
                out.append(_Unit(unit.plain[start:cut - offset], unit.plain[start:cut - offset], "text"))
                start = cut - offset
            if start:
                out.append(_Unit(unit.plain[start:], unit.plain[start:], "text"))
            else:
                out.append(unit)
        else:
            out.append(unit)
        offset += size
    return out


def _sentence_spans(plain: str, lang: str) -> list[tuple[int, int]]:
    spans, cursor = [], 0
    for sentence in split_sentences(plain, lang):
        start = plain.find(sentence, cursor)
        if start < 0:  # a segmenter that rewrote the text: keep the rest as one sentence
            rest = plain[cursor:]
            if rest.strip():
                lead = len(rest) - len(rest.lstrip())
                spans.append((cursor + lead, cursor + len(rest.rstrip())))
            break
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    return spans


def segment_block(html: str, lang: str) -> BlockSegments:
    tagged, tags = html_to_tagged(html)
    units = _units(tagged)
    plain = "".join(u.plain for u in units)
    spans = _sentence_spans(plain, lang)
    if not spans:
        return BlockSegments(gaps=[_gap_html(units, tags)], segments=[])
    units = _split_at(units, spans)

    # Which sentence each unit belongs to (None: whitespace between sentences).
    owner: list[int | None] = [None] * len(units)
    offset, span_idx = 0, 0
    for i, unit in enumerate(units):
        if unit.plain:
            while span_idx < len(spans) and offset >= spans[span_idx][1]:
                span_idx += 1
            if span_idx < len(spans) and spans[span_idx][0] <= offset:
                owner[i] = span_idx
            offset += len(unit.plain)
    # Paired tags: opening ones join the next sentence, closing ones the previous one (else the other side).
    char_owner = list(owner)
    before: list[int | None] = []
    last: int | None = None
    for o in char_owner:
        before.append(last)
        last = o if o is not None else last
    after: list[int | None] = [None] * len(units)
    following: int | None = None
    for i in range(len(units) - 1, -1, -1):
        after[i] = following
        following = char_owner[i] if char_owner[i] is not None else following
    for i, unit in enumerate(units):
        if unit.kind == "open":
            owner[i] = after[i] if after[i] is not None else before[i]
        elif unit.kind == "close":
            owner[i] = before[i] if before[i] is not None else after[i]

    bounds: dict[int, list[int]] = {}  # sentence -> [first unit, last unit]
    for i, o in enumerate(owner):
        if o is not None:
            if o in bounds:
                bounds[o][1] = i
            else:
                bounds[o] = [i, i]
    ranges = [bounds[idx] for idx in sorted(bounds)]  # in sentence order
    ranges = _merge_ranges(ranges, units)

    gaps, segments, pos = [], [], 0
    for first, last_unit in ranges:
        gaps.append(_gap_html(units[pos:first], tags))
        segments.append(_draft(units[first : last_unit + 1], tags))
        pos = last_unit + 1
    gaps.append(_gap_html(units[pos:], tags))
    return BlockSegments(gaps=gaps, segments=segments)


def _merge_ranges(ranges: list[list[int]], units: list[_Unit]) -> list[list[int]]:
    """Merge overlapping ranges and any ranges a paired tag would straddle."""
    open_at = {u.tag_id: i for i, u in enumerate(units) if u.kind == "open"}
    close_at = {u.tag_id: i for i, u in enumerate(units) if u.kind == "close"}
    changed = True
    while changed:
        changed = False
        merged: list[list[int]] = []
        for first, last in ranges:
            if merged and first <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], last)
                changed = True
            else:
                merged.append([first, last])
        for rng in merged:
            for tag_id, start in open_at.items():
                end = close_at.get(tag_id, start)
                if rng[0] <= start <= rng[1] and end > rng[1]:
                    rng[1], changed = end, True
                if rng[0] <= end <= rng[1] and start < rng[0]:
                    rng[0], changed = start, True
        ranges = merged
    return ranges


def _draft(units: list[_Unit], tags: Tags) -> SegmentDraft:
    renumber: dict[str, str] = {}
    out = []
    for unit in units:
        if unit.kind == "text":
            out.append(unit.token)
            continue
        new_id = renumber.setdefault(unit.tag_id, str(len(renumber) + 1))
        out.append({"open": "{%s}", "close": "{/%s}", "void": "{%s/}"}[unit.kind] % new_id)
    return SegmentDraft(source="".join(out), tags={new: tags[old] for old, new in renumber.items()})


def _gap_html(units: list[_Unit], tags: Tags) -> str:
    out = []
    for unit in units:
        if unit.kind == "text":
            out.append(escape_text(unit.plain))
        elif unit.kind == "void":
            tag = tags[unit.tag_id]
            out.append(open_tag_html(tag["name"], tag.get("attrs") or {}))
        else:  # cannot happen: paired tags always belong to a segment when there is one
            tag = tags[unit.tag_id]
            out.append(
                open_tag_html(tag["name"], tag["attrs"]) if unit.kind == "open" else f"</{tag['name']}>"
            )
    return "".join(out)


def assemble_block(gaps: list[str], segments: list[tuple[str, Tags]]) -> str:
    """gaps[0] + seg[0] + gaps[1] + ... + gaps[n]; ValueError on bad placeholders or a count mismatch."""
    if len(gaps) != len(segments) + 1:
        raise ValueError(f"expected {len(segments) + 1} gaps, got {len(gaps)}")
    out = [gaps[0]]
    for (text, tags), gap in zip(segments, gaps[1:], strict=True):
        out.append(tagged_to_html(text, tags))
        out.append(gap)
    return "".join(out)


def normalize_source(source: str) -> str:
    """A segment's text as identity sees it: NFC, whitespace runs collapsed, no surrounding whitespace."""
    return " ".join(unicodedata.normalize("NFC", source).split())


def source_hash(block_path: str, source: str) -> str:
    """Stable id of a segment's source: the normalized text plus the block path (re-import matches on it)."""
    return hashlib.sha256(f"{block_path}\n{normalize_source(source)}".encode()).hexdigest()


__all__ = [
    "VOID_ELEMENTS",
    "BlockSegments",
    "SegmentDraft",
    "RuleSegmenter",
    "Segmenter",
    "assemble_block",
    "get_segmenter",
    "normalize_source",
    "segment_block",
    "source_hash",
    "split_sentences",
]
