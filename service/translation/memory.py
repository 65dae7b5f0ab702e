"""Translation memory: approved segments, looked up exactly (by hash) and fuzzily (trigram prefilter + rapidfuzz).

The prefilter runs in the database: pg_trgm (``%`` and ``similarity``, GIN index) on PostgreSQL, an FTS5
trigram table on SQLite (both created by the migration). Candidates are then re-ranked with rapidfuzz on the
placeholder-stripped text. TMX 1.4 goes in and out through translate-toolkit's ``tmxunit``, streamed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from lxml import etree
from rapidfuzz import fuzz
from sqlalchemy import ForeignKey, Index, Select, String, Text, func, insert, literal_column, select, text
from sqlalchemy.orm import Mapped, mapped_column
from translate.misc.xml_helpers import getXMLlang, getXMLspace
from translate.storage import tmx

from service.articles import inline
from service.articles.models import Segment
from service.errors import InvalidInput
from service.extensions import Model, db
from service.timeutil import utcnow
from service.translation.models import Translation
from service.translation.states import State

BATCH = 5_000
PREFILTER_LIMIT = 50
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

def exact_targets(sources: list[str], source_lang: str, target_lang: str) -> dict[str, str]:
    """For a pipeline batch: source → the newest exact (100%) TM target, in one indexed query."""
    if not sources:
        return {}
    by_hash = {unit_hash(source): source for source in sources}
    rows = db.session.execute(
        select(TMUnit.source_hash, TMUnit.target).where(
            TMUnit.source_lang == _lang(source_lang), TMUnit.target_lang == _lang(target_lang),
            TMUnit.source_hash.in_(list(by_hash)))
        .order_by(TMUnit.created_at.desc(), TMUnit.id.desc())
    ).all()
    found: dict[str, str] = {}
    for key, target in rows:
        found.setdefault(by_hash[key], target)
    return found


def _fts_query(source: str) -> str | None:
    words = [w for w in re.findall(r"\w+", _plain(source)) if len(w) >= 3]
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(words)) or None


def _candidates(source: str, source_lang: str, target_lang: str) -> list[TMUnit]:
    langs = (TMUnit.source_lang == source_lang, TMUnit.target_lang == target_lang)
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        query = (select(TMUnit).where(*langs, TMUnit.source.op("%")(source))
                 .order_by(func.similarity(TMUnit.source, source).desc()).limit(PREFILTER_LIMIT))
        return list(db.session.scalars(query))
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
        in_context = context is not None and (unit.prev_hash, unit.next_hash) == (prev_hash, next_hash)
        match = Match(100, unit.source, unit.target, True, in_context)
        old = found.get((unit.source, unit.target))
        if old is None or (in_context and not old.in_context):
            found[(unit.source, unit.target)] = match
    query = _plain(source)
    for unit in _candidates(source, source_lang, target_lang):
        if unit.source_hash == key or (unit.source, unit.target) in found:
            continue
        score = int(round(fuzz.ratio(query, _plain(unit.source))))
        if score >= min_score:
            found[(unit.source, unit.target)] = Match(min(score, 99), unit.source, unit.target, False, False)
    return sorted(found.values(), key=lambda m: (m.score, m.in_context), reverse=True)[:limit]


# --- TMX --------------------------------------------------------------------------------------

def _iter_tus(path: Path) -> Iterator[tuple[str | None, tmx.tmxunit]]:
    """(header srclang, unit) per <tu>, parsed incrementally; entities are never resolved, no network."""
    with path.open("rb") as fh:
        try:
            yield from _tus(fh)
        except etree.XMLSyntaxError as exc:
            raise InvalidInput(f"not a valid TMX file: {exc}") from None


def _tus(fh: IO[bytes]) -> Iterator[tuple[str | None, tmx.tmxunit]]:
    header_lang: str | None = None
    parser = etree.iterparse(fh, events=("end",), resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False, remove_comments=True)
    for _, element in parser:
        name = etree.QName(element).localname
        dtd = element.getroottree().docinfo.internalDTD if header_lang is None else None
        if dtd is not None and (list(dtd.iterentities()) or list(dtd.iterelements())):
            raise InvalidInput("TMX files with a DOCTYPE declaring entities are refused")
        if name == "header":
            header_lang = element.get("srclang")
        elif name == "tu":
            yield header_lang, tmx.tmxunit.createfromxmlElement(element)
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]


def _unit_texts(unit: tmx.tmxunit) -> list[tuple[str, str]]:
    space = getXMLspace(unit.xmlelement, unit._default_xml_space)
    return [(_lang(getXMLlang(node) or ""), unit.getNodeText(node, space) or "") for node in unit.getlanguageNodes()]


def import_tmx(path: str | Path) -> dict[str, int]:
    """Add every (source, target) pair of a TMX file, in batches; returns counts read/imported/skipped."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    counts = {"units": 0, "imported": 0, "skipped": 0}
    batch: list[dict[str, Any]] = []
    now = utcnow()
    for header_lang, unit in _iter_tus(path):
        counts["units"] += 1
        texts = _unit_texts(unit)
        srclang = _lang(unit.xmlelement.get("srclang") or header_lang or "")
        if srclang in ("", "*all*"):
            srclang = texts[0][0] if texts else ""
        source = next((t for lang, t in texts if lang == srclang), None)
        pairs = [(lang, t) for lang, t in texts if lang != srclang and t.strip()]
        if not srclang or not source or not source.strip() or not pairs:
            counts["skipped"] += 1
            continue
        for target_lang, target in pairs:
            batch.append({"source_lang": srclang, "target_lang": target_lang, "source": source, "target": target,
                          "source_hash": unit_hash(source), "origin": "tmx", "created_at": now})
        if len(batch) >= BATCH:
            counts["imported"] += _flush(batch)
    counts["imported"] += _flush(batch)
    if counts["units"] == 0:
        raise InvalidInput("the file holds no TMX translation units")
    return counts


def _flush(batch: list[dict[str, Any]]) -> int:
    if not batch:
        return 0
    db.session.execute(insert(TMUnit), batch)
    db.session.commit()
    done = len(batch)
    batch.clear()
    return done


def export_tmx(out: IO[bytes], source_lang: str | None = None, target_lang: str | None = None) -> int:
    """Write the memory as TMX 1.4, unit by unit (never the whole memory in memory); returns the unit count."""
    query = select(TMUnit).order_by(TMUnit.id).execution_options(yield_per=1_000)
    if source_lang:
        query = query.where(TMUnit.source_lang == _lang(source_lang))
    if target_lang:
        query = query.where(TMUnit.target_lang == _lang(target_lang))
    count = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("tmx", version="1.4"):
            xf.write(etree.Element("header", creationtool="Transdesk", creationtoolversion="1", segtype="sentence",
                                   adminlang="en", srclang=_lang(source_lang or "") or "*all*",
                                   datatype="PlainText", **{"o-tmf": "Transdesk"}))
            with xf.element("body"):
                for unit in db.session.scalars(query):
                    tu = tmx.tmxunit(None)
                    tu.xmlelement.set("srclang", unit.source_lang)
                    tu.setsource(unit.source, unit.source_lang)
                    tu.settarget(unit.target, unit.target_lang)
                    if unit.article_id:
                        tu.addnote(f"article {unit.article_id}")
                    xf.write(tu.xmlelement)
                    count += 1
    return count
