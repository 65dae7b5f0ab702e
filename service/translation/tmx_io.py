"""TMX 1.4 in and out of the translation memory, through translate-toolkit's ``tmxunit``, streamed.

Import parses unit by unit (entities never resolved, no network) and sends batches (COPY on PostgreSQL) inside
one transaction; export writes unit by unit. Neither holds the file or the memory in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from lxml import etree
from sqlalchemy import insert, select
from translate.misc.xml_helpers import getXMLlang, getXMLspace
from translate.storage import tmx

from service.errors import InvalidInput
from service.extensions import db
from service.timeutil import utcnow
from service.translation.memory import TMUnit, _filtered, _lang, unit_hash

BATCH = 5_000


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


def import_tmx(path: str | Path, progress: Callable[[int], object] | None = None) -> dict[str, int]:
    """Add every (source, target) pair of a TMX file; returns counts read/imported/skipped.

    Streamed: units are parsed one by one and sent in batches of BATCH (COPY on PostgreSQL), so memory stays
    flat whatever the file size. One transaction: a file that turns out broken half-way adds nothing.
    ``progress`` is called with the bytes read so far after every batch.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    counts = {"units": 0, "imported": 0, "skipped": 0}
    batch: list[dict[str, Any]] = []
    now = utcnow()
    _defer_trigram_index()
    try:
        with path.open("rb") as fh:
            for header_lang, unit in _tus(fh):
                counts["units"] += 1
                if _add_pairs(batch, header_lang, unit, now):
                    counts["skipped"] += 1
                if len(batch) >= BATCH:
                    counts["imported"] += _flush(batch)
                    if progress:
                        progress(fh.tell())
        counts["imported"] += _flush(batch)
        if counts["units"] == 0:
            raise InvalidInput("the file holds no TMX translation units")
        db.session.commit()
    except etree.XMLSyntaxError as exc:
        db.session.rollback()
        raise InvalidInput(f"not a valid TMX file: {exc}") from None
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _after_bulk_load()
    if progress:
        progress(path.stat().st_size)
    return counts


def _add_pairs(batch: list[dict[str, Any]], header_lang: str | None, unit: tmx.tmxunit, now: datetime) -> bool:
    """Append one row per (source, target) pair of a <tu> to ``batch``; True when the unit has none (skipped)."""
    texts = _unit_texts(unit)
    srclang = _lang(unit.xmlelement.get("srclang") or header_lang or "")
    if srclang in ("", "*all*"):
        srclang = texts[0][0] if texts else ""
    source = next((t for lang, t in texts if lang == srclang), None)
    pairs = [(lang, t) for lang, t in texts if lang != srclang and t.strip()]
    if not srclang or not source or not source.strip() or not pairs:
        return True
    source_hash = unit_hash(source)
    for target_lang, target in pairs:
        batch.append({"source_lang": srclang, "target_lang": target_lang, "source": source, "target": target,
                      "source_hash": source_hash, "origin": "tmx", "created_at": now})
    return False


COPY_COLUMNS = ("source_lang", "target_lang", "source", "target", "source_hash", "origin", "created_at")


def _flush(batch: list[dict[str, Any]]) -> int:
    """Send a batch inside the import's transaction (committed once, at the end)."""
    if not batch:
        return 0
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # COPY: several times faster than multi-row INSERTs. A large GIN pending list lets the trigram index
        # take the new entries in bulk instead of one by one (merged by _after_bulk_load).
        connection.exec_driver_sql("SELECT set_config('gin_pending_list_limit', '262144', true)")
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY tm_units ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(tuple(row[column] for column in COPY_COLUMNS))
    else:
        db.session.execute(insert(TMUnit), batch)
    done = len(batch)
    batch.clear()
    return done


TRGM_INDEX_DDL = "CREATE INDEX IF NOT EXISTS ix_tm_units_source_trgm ON tm_units USING gin (source gin_trgm_ops)"


def _defer_trigram_index() -> None:
    """PostgreSQL, loading into an empty memory: drop the trigram index, built again once after the load
    (``_after_bulk_load``) instead of being updated row by row; several times faster for a first big import.

    Only for an empty memory: there is nothing to look up meanwhile, and dropping takes a brief exclusive lock
    on an empty table instead of making live fuzzy look-ups scan a full one. While the index builds (about half
    a minute per million units here), approvals that add to the memory wait; reads go on.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and db.session.scalar(select(TMUnit.id).limit(1)) is None:
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_tm_units_source_trgm")
        db.session.commit()


def _after_bulk_load() -> None:
    """PostgreSQL: (re)build the trigram index if it is missing, merge its pending entries now rather than at the
    first look-ups, and refresh the planner's statistics; runs after every import, failed ones too."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT set_config('maintenance_work_mem', '524288', true)")
        connection.exec_driver_sql(TRGM_INDEX_DDL)
        connection.exec_driver_sql("SELECT gin_clean_pending_list('ix_tm_units_source_trgm'::regclass)")
        connection.exec_driver_sql("ANALYZE tm_units")
    db.session.commit()


def export_tmx(out: IO[bytes], source_lang: str | None = None, target_lang: str | None = None,
               progress: Callable[[int], object] | None = None) -> int:
    """Write the memory as TMX 1.4, unit by unit (never the whole memory in memory); returns the unit count.

    ``progress`` is called with the count written so far every 1,000 units.
    """
    query = _filtered(select(TMUnit).order_by(TMUnit.id).execution_options(yield_per=1_000), source_lang, target_lang)
    written = 0
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
                    written += 1
                    if progress and written % 1_000 == 0:
                        progress(written)
    if progress:
        progress(written)
    return written
