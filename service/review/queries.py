"""Read-only views of one article's translations for the editor: filters, blocks, progress, history diffs."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import select

from service.articles import services as articles
from service.articles.models import Block, Segment
from service.extensions import db
from service.history import Event
from service.review import services
from service.translation.models import Translation
from service.translation.states import ALL_STATES

ORIGINS = ("mt", "human")
PROGRESS_ORDER = ("approved", "translated", "draft", "needs_work", "queued", "failed", "stale", "untranslated")
MAX_QUERY = 200


@dataclass
class Filters:
    state: str = ""
    origin: str = ""
    q: str = ""

    @classmethod
    def parse(cls, args: Any) -> Filters:
        state = (args.get("state") or "").strip()
        origin = (args.get("origin") or "").strip()
        return cls(state=state if state in ALL_STATES else "", origin=origin if origin in ORIGINS else "",
                   q=(args.get("q") or "").strip()[:MAX_QUERY])

    def args(self) -> dict[str, str]:
        """The non-empty filters, for URLs that must come back to the same view."""
        return {k: v for k, v in (("state", self.state), ("origin", self.origin), ("q", self.q)) if v}

    def __bool__(self) -> bool:
        return bool(self.args())

    def keep(self, segment: Segment, row: Translation) -> bool:
        if self.state and row.state != self.state:
            return False
        if self.origin == "mt" and row.origin != "mt":
            return False
        if self.origin == "human" and row.origin != "human":
            return False
        if self.q:
            needle = self.q.casefold()
            return needle in segment.source.casefold() or needle in (row.text or "").casefold()
        return True


@dataclass
class BlockView:
    block: Block
    rows: list[tuple[Segment, Translation]] = field(default_factory=list)
    clean: int = 0  # segments of the whole block a bulk approval would take
    size: int = 0  # segments in the whole block (not ``len(block.segments)``: one query per block)


def blocks_for_review(article_id: int, lang: str, filters: Filters) -> list[BlockView]:
    """Segments grouped by their block, in order; a block is listed when one of its segments passes the filters."""
    grouped: dict[int, BlockView] = {}
    # Every block in one query, not one lazy ``segment.block`` load per block.
    blocks = {block.id: block for block in db.session.scalars(select(Block).filter_by(article_id=article_id))}
    for segment, row in services.segments_for_review(article_id, lang):
        view = grouped.get(segment.block_id)
        if view is None:
            view = grouped[segment.block_id] = BlockView(blocks[segment.block_id])
        view.size += 1
        if services.is_clean(segment, row):
            view.clean += 1
        if filters.keep(segment, row):
            view.rows.append((segment, row))
    return [view for view in grouped.values() if view.rows]


def progress(article_id: int, lang: str, counts: dict[str, int] | None = None) -> dict[str, Any]:
    if counts is None:
        counts = articles.state_counts(article_id).get(lang, dict.fromkeys(ALL_STATES, 0))
    total = sum(counts.values())
    parts = [(state, counts.get(state, 0), round(100 * counts.get(state, 0) / (total or 1), 2))
             for state in PROGRESS_ORDER if counts.get(state)]
    return {"counts": counts, "total": total, "parts": parts, "queued": counts.get("queued", 0),
            "approved": counts.get("approved", 0), "done": counts.get("approved", 0) + counts.get("translated", 0)}


def mt_engines(article_id: int, lang: str, segment_id: int | None = None) -> dict[int, str]:
    """The engine of each segment's latest machine draft (the row forgets it once a person edits the text)."""
    query = select(Event.segment_id, Event.data).filter_by(article_id=article_id, lang=lang, action="draft")
    if segment_id is not None:
        query = query.filter_by(segment_id=segment_id)
    engines: dict[int, str] = {}
    for sid, data in db.session.execute(query.order_by(Event.id)):
        if sid is not None and (data or {}).get("engine"):
            engines[sid] = str(data["engine"])
    return engines


def neighbour_sources(segment: Segment) -> tuple[str | None, str | None]:
    """The sources of the segments just before and after ``segment`` (the context of a TM lookup)."""
    rows: dict[int, str] = {position: source for position, source in db.session.execute(
        select(Segment.position, Segment.source).where(
            Segment.article_id == segment.article_id,
            Segment.position.in_((segment.position - 1, segment.position + 1))))}
    return rows.get(segment.position - 1), rows.get(segment.position + 1)


# Placeholders and "{{" are tokens of their own (a chip is never half-changed), then whitespace runs and words.
_WORDS = re.compile(r"\{\{|\{/?\d+/?\}|\s+|[^\s{]+|\{")


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """``old`` → ``new`` word by word: a list of (op, text) with op "same", "del" or "ins".

    Used for history (old text → new text) and for translation-memory matches (the match's source → this
    segment's source: what the translator has to change in the match's target).
    """
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("ins", "".join(b[j1:j2])))
    return out


# What each recorded action on a segment reads as in its history (unknown codes are shown as they are).
ACTION_LABELS = {
    "queued": lazy_gettext("queued for machine translation"), "draft": lazy_gettext("machine draft"),
    "no_mt": lazy_gettext("no machine draft"), "failed": lazy_gettext("machine translation failed"),
    "auto_approve": lazy_gettext("approved from translation memory by policy"), "save": lazy_gettext("saved"),
    "approve": lazy_gettext("approved"), "send_back": lazy_gettext("sent back"),
    "links": lazy_gettext("links retargeted"),
}


@dataclass
class HistoryEntry:
    action: str
    who: str | None
    when: datetime
    old_state: str | None
    new_state: str | None
    diff: list[tuple[str, str]]
    changed: bool
    note: str
    engine: str | None

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


def history_entries(segment_id: int, lang: str) -> list[HistoryEntry]:
    """The segment's history, newest first, each change with its word diff."""
    entries = [
        HistoryEntry(action=e.action, who=e.user.email if e.user else None, when=e.created_at,
                     old_state=e.old_state, new_state=e.new_state, diff=word_diff(e.old_text, e.new_text),
                     changed=(e.old_text or "") != (e.new_text or ""), note=str((e.data or {}).get("note") or ""),
                     engine=(e.data or {}).get("engine"))
        for e in services.history(segment_id, lang)
    ]
    return entries[::-1]
