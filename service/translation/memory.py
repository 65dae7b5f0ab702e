"""Translation memory: approved segments, looked up exactly (by hash) and fuzzily (trigram prefilter + rapidfuzz).

The prefilter runs in the database: pg_trgm (``%`` and ``similarity``, GIN index) on PostgreSQL, an FTS5
trigram table on SQLite (both created by the migration). Candidates are then re-ranked with rapidfuzz on the
placeholder-stripped text. TMX 1.4 import and export: ``service.translation.tmx_io``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import ForeignKey, Index, Select, String, Text, func, literal_column, select, text
from sqlalchemy.orm import Mapped, mapped_column

from service.articles import inline
from service.articles.models import Segment
from service.extensions import Model, db
from service.timeutil import utcnow
from service.translation import checks, tm_policy
from service.translation.models import Translation
from service.translation.states import State
from service.translation.tm_policy import AutoApprove, TMPolicy

__all__ = ["BatchHit", "Match", "TMPolicy", "TMUnit", "batch_hits", "count", "exact_targets",
           "lookup"]  # TMPolicy: imported here so that every TM table is registered with the TM's models

PREFILTER_LIMIT = 50  # candidates re-ranked with rapidfuzz
TRGM_THRESHOLDS = (0.5, 0.3)  # pg_trgm similarity for the prefilter: strict first, then pg_trgm's default
MIN_SCORE = 50


class TMUnit(Model):
    __tablename__ = "tm_units"
    __table_args__ = (
        Index("ix_tm_units_lookup", "source_lang", "target_lang", "source_hash"),
        # GIN trigram index for the fuzzy prefilter; created on PostgreSQL only (SQLite uses tm_units_fts).
        Index("ix_tm_units_source_trgm", "source", postgresql_using="gin",
              postgresql_ops={"source": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_lang: Mapped[str] = mapped_column(String(10))
    target_lang: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(Text)  # with placeholders {1}…{/1}
    target: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(64))  # unit_hash(source)
    prev_hash: Mapped[str | None] = mapped_column(String(64))  # unit_hash of the previous segment's source
    next_hash: Mapped[str | None] = mapped_column(String(64))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    origin: Mapped[str] = mapped_column(String(10), default="approved")  # approved | tmx
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Match:
    score: int  # 0–100
    source: str
    target: str
    exact: bool
    in_context: bool


def normalize(source: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", source or "")).strip()


def unit_hash(source: str) -> str:
    """sha256 of the normalized source (placeholders kept): the exact-match key."""
    return hashlib.sha256(normalize(source).encode()).hexdigest()


def _plain(source: str) -> str:
    return normalize(inline.strip_placeholders(source)).casefold()


def _lang(code: str) -> str:
    return (code or "").strip().replace("_", "-").lower()


# --- adding -----------------------------------------------------------------------------------

def _neighbour_hash(segment: Segment, offset: int) -> str | None:
    source = db.session.scalar(select(Segment.source).where(
        Segment.article_id == segment.article_id, Segment.position == segment.position + offset))
    return unit_hash(source) if source is not None else None


def add_approved(translation: Translation, *, commit: bool = True) -> TMUnit | None:
    """Put an approved translation into the memory (once per source, target and context); None if not approved."""
    if translation.state != State.APPROVED.value or not (translation.text or "").strip():
        return None
    segment = translation.segment
    source_lang = _lang(segment.article.source_lang)
    values = {"source_lang": source_lang, "target_lang": _lang(translation.lang), "source": segment.source,
              "target": translation.text or "", "source_hash": unit_hash(segment.source),
              "prev_hash": _neighbour_hash(segment, -1), "next_hash": _neighbour_hash(segment, +1)}
    existing = db.session.scalar(select(TMUnit).filter_by(**{k: v for k, v in values.items() if k != "source"}))
    if existing is not None:
        return existing
    unit = TMUnit(**values, article_id=segment.article_id, origin="approved")
    db.session.add(unit)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return unit


# --- lookup -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchHit:
    """A pipeline segment's exact (100%) match and what the target language's policy makes of it."""

    target: str
    in_context: bool  # the unit was approved between the same previous and next sources
    policy: AutoApprove
    approve: bool  # the policy lets it be approved without a person (and it has no QA error)


def _in_context(unit_prev: str | None, unit_next: str | None, origin: str, prev_hash: str | None,
                next_hash: str | None) -> bool:
    # TMX units carry no neighbours: their empty context must not pass for a one-segment article's.
    return origin != "tmx" and (unit_prev, unit_next) == (prev_hash, next_hash)


def _exact_rows(hashes: list[str], source_lang: str, target_lang: str) -> list[Any]:
    return list(db.session.execute(
        select(TMUnit.source_hash, TMUnit.target, TMUnit.prev_hash, TMUnit.next_hash, TMUnit.origin).where(
            TMUnit.source_lang == _lang(source_lang), TMUnit.target_lang == _lang(target_lang),
            TMUnit.source_hash.in_(hashes))
        .order_by(TMUnit.created_at.desc(), TMUnit.id.desc())
    ))


def exact_targets(sources: list[str], source_lang: str, target_lang: str) -> dict[str, str]:
    """Source → the newest exact (100%) TM target, in one indexed query."""
    if not sources:
        return {}
    by_hash = {unit_hash(source): source for source in sources}
    found: dict[str, str] = {}
    for key, target, *_context in _exact_rows(list(by_hash), source_lang, target_lang):
        found.setdefault(by_hash[key], target)
    return found


def batch_hits(article_id: int, segments: list[tuple[int, str]], source_lang: str,
               target_lang: str) -> dict[int, BatchHit]:
    """For a pipeline batch of (segment id, source): segment id → its exact match, with the policy's verdict.

    The unit approved between the same neighbours wins (in context), else the newest. One query when nothing
    matches; the policy and the neighbours (three more) are read only when something does. The QA checks run
    on the matches the policy would approve: one with an error stays a draft.
    """
    hashes = {segment_id: unit_hash(source) for segment_id, source in segments}
    rows = _exact_rows(list(set(hashes.values())), source_lang, target_lang) if hashes else []
    if not rows:
        return {}
    policy = tm_policy.auto_approve(target_lang)
    by_hash: dict[str, list[Any]] = {}
    for row in rows:
        by_hash.setdefault(row[0], []).append(row)
    context = _neighbour_hashes(article_id, [sid for sid, key in hashes.items() if key in by_hash])
    sources = dict(segments)
    hits: dict[int, BatchHit] = {}
    for segment_id, key in hashes.items():
        units = by_hash.get(key)
        if not units:
            continue
        prev_hash, next_hash = context.get(segment_id, (None, None))
        chosen = next((u for u in units if _in_context(u[2], u[3], u[4], prev_hash, next_hash)), None)
        target, in_context = (chosen[1], True) if chosen else (units[0][1], False)
        approve = tm_policy.allows(policy, in_context=in_context) and not any(
            issue.severity == "error" for issue in checks.run_checks(sources[segment_id], target, source_lang,
                                                                    target_lang))
        hits[segment_id] = BatchHit(target, in_context, policy, approve)
    return hits


def _neighbour_hashes(article_id: int, segment_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    """Segment id → (hash of the previous segment's source, of the next one's), in two queries."""
    positions: dict[int, int] = {sid: position for sid, position in db.session.execute(
        select(Segment.id, Segment.position).where(Segment.id.in_(segment_ids)))}
    wanted = {p + offset for p in positions.values() for offset in (-1, 1)}
    sources: dict[int, str] = {position: source for position, source in db.session.execute(
        select(Segment.position, Segment.source).where(Segment.article_id == article_id,
                                                        Segment.position.in_(wanted)))}
    return {sid: (unit_hash(sources[p - 1]) if p - 1 in sources else None,
                  unit_hash(sources[p + 1]) if p + 1 in sources else None) for sid, p in positions.items()}


def _fts_query(source: str) -> str | None:
    words = [w for w in re.findall(r"\w+", _plain(source)) if len(w) >= 3]
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words)) or None


def _candidates(source: str, source_lang: str, target_lang: str, wanted: int) -> list[TMUnit]:
    langs = (TMUnit.source_lang == source_lang, TMUnit.target_lang == target_lang)
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        query = (select(TMUnit).where(*langs, TMUnit.source.op("%")(source))
                 .order_by(func.similarity(TMUnit.source, source).desc()).limit(PREFILTER_LIMIT))
        # A strict trigram threshold first: the GIN scan and the rows it rechecks shrink with it. Only when that
        # finds fewer than ``wanted`` units does the loose one (pg_trgm's default) run.
        for threshold in TRGM_THRESHOLDS:
            db.session.execute(select(func.set_config("pg_trgm.similarity_threshold", str(threshold), True)))
            units = list(db.session.scalars(query))
            if len(units) >= wanted:
                break
        return units
    fts = _fts_query(source)
    if fts is None:
        return []
    ids: Select[Any] = select(literal_column("rowid")).select_from(text("tm_units_fts")).where(
        text("tm_units_fts MATCH :q")).order_by(literal_column("rank")).limit(PREFILTER_LIMIT * 4)
    query = select(TMUnit).where(*langs, TMUnit.id.in_(ids)).limit(PREFILTER_LIMIT)
    return list(db.session.scalars(query, {"q": fts}))


def lookup(source: str, source_lang: str, target_lang: str, limit: int = 5,
           context: tuple[str | None, str | None] | None = None, min_score: int = MIN_SCORE) -> list[Match]:
    """Best matches first: exact ones (100; ``in_context`` when the neighbouring sources match too), then fuzzy.

    ``context`` is (previous segment's source, next segment's source).
    """
    source_lang, target_lang = _lang(source_lang), _lang(target_lang)
    prev_hash = unit_hash(context[0]) if context and context[0] is not None else None
    next_hash = unit_hash(context[1]) if context and context[1] is not None else None
    key = unit_hash(source)
    found: dict[tuple[str, str], Match] = {}
    exact = db.session.scalars(select(TMUnit).where(
        TMUnit.source_lang == source_lang, TMUnit.target_lang == target_lang, TMUnit.source_hash == key,
    ).order_by(TMUnit.created_at.desc(), TMUnit.id.desc()).limit(PREFILTER_LIMIT))
    for unit in exact:
        in_context = context is not None and _in_context(unit.prev_hash, unit.next_hash, unit.origin, prev_hash,
                                                         next_hash)
        match = Match(100, unit.source, unit.target, True, in_context)
        old = found.get((unit.source, unit.target))
        if old is None or (in_context and not old.in_context):
            found[(unit.source, unit.target)] = match
    query = _plain(source)
    for unit in _candidates(source, source_lang, target_lang, limit):
        if unit.source_hash == key or (unit.source, unit.target) in found:
            continue
        score = int(round(fuzz.ratio(query, _plain(unit.source))))
        if score >= min_score:
            found[(unit.source, unit.target)] = Match(min(score, 99), unit.source, unit.target, False, False)
    return sorted(found.values(), key=lambda m: (m.score, m.in_context), reverse=True)[:limit]


def count(source_lang: str | None = None, target_lang: str | None = None) -> int:
    return int(db.session.scalar(_filtered(select(func.count()).select_from(TMUnit), source_lang, target_lang)) or 0)


def _filtered(query: Select[Any], source_lang: str | None, target_lang: str | None) -> Select[Any]:
    if source_lang:
        query = query.where(TMUnit.source_lang == _lang(source_lang))
    if target_lang:
        query = query.where(TMUnit.target_lang == _lang(target_lang))
    return query
