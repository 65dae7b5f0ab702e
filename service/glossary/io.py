"""Glossary exchange: CSV and TBX in and out (TBX through translate-toolkit's ``tbx`` storage).

CSV: UTF-8 (a BOM is fine), comma, semicolon or tab separated, with a header row naming the columns
``source`` and ``target`` (required) and optionally ``notes``, ``forbidden``, ``case_sensitive`` (1/0,
true/false, yes/no; empty is no), ``source_lang`` and ``target_lang`` (per row; else the file's
languages given by the caller). Export writes all seven columns, so an export imports back unchanged.

TBX: the ``martif`` element's ``xml:lang`` is the source language; each ``termEntry`` pairs its
source terms with the terms of every other ``langSet``. A term whose administrative status is
deprecated (``<termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote>``) is a
forbidden translation. Files declaring entities are refused (no entity expansion, no network).

An import validates the whole file first and writes it in one transaction: a bad file changes nothing,
and its error names the line (CSV) or entry (TBX). Terms already in the glossary are updated (notes
and flags), so importing the same file twice is harmless.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from translate.misc.xml_helpers import getXMLlang, parse_xml
from translate.storage import tbx

from service import languages
from service.errors import InvalidInput, TransdeskError
from service.extensions import db
from service.glossary import services
from service.glossary.models import GlossaryTerm
from service.glossary.services import TermInput
from service.timeutil import utcnow

COLUMNS = ["source_lang", "target_lang", "source", "target", "notes", "forbidden", "case_sensitive"]
TRUE, FALSE = {"1", "true", "yes", "y", "x"}, {"", "0", "false", "no", "n"}
MAX_BYTES = 20 * 1024 * 1024
DEPRECATED = "deprecatedTerm-admn-sts"


@dataclass
class Row:
    """One term to import, with where it came from (for the error message)."""

    where: str
    source_lang: str
    target_lang: str
    term: TermInput


# --- reading -----------------------------------------------------------------------------------

def _flag(value: str | None, column: str, where: str) -> bool:
    text = (value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise InvalidInput(f"{where}: {column} must be yes or no, not {value!r}")


def _lang(code: str | None, what: str, where: str) -> str:
    if not (code or "").strip():
        raise InvalidInput(f"{where}: no {what} language (give --{what}-lang or a {what}_lang column)")
    try:
        return languages.validate(code or "")
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None


def read_csv(data: bytes, source_lang: str | None = None, target_lang: str | None = None,
             name: str = "") -> list[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the CSV file is not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise InvalidInput("the CSV file is empty")
    first = text.splitlines()[0]
    delimiter = "\t" if name.lower().endswith(".tsv") else max(",;\t", key=first.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    if "source" not in header or "target" not in header:
        raise InvalidInput("the CSV file needs a header row with 'source' and 'target' columns "
                           f"(optional: {', '.join(c for c in COLUMNS if c not in ('source', 'target'))})")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(f"unknown CSV columns: {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
    reader.fieldnames = header
    rows: list[Row] = []
    try:
        for record in reader:
            where = f"line {reader.line_num}"
            if None in record:
                raise InvalidInput(f"{where}: more fields than columns")
            if not any((v or "").strip() for v in record.values()):
                continue
            term = TermInput(record.get("source") or "", record.get("target") or "", record.get("notes") or "",
                             _flag(record.get("forbidden"), "forbidden", where),
                             _flag(record.get("case_sensitive"), "case_sensitive", where))
            rows.append(Row(where, _lang(record.get("source_lang") or source_lang, "source", where),
                            _lang(record.get("target_lang") or target_lang, "target", where), term))
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: not valid CSV ({exc})") from None
    return rows


def _tbx_store(data: bytes) -> tbx.tbxfile:
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"not a well-formed TBX file: {exc}") from None
    dtd = root.getroottree().docinfo.internalDTD
    if b"<!ENTITY" in data or (dtd is not None and (list(dtd.iterentities()) or list(dtd.iterelements()))):
        raise InvalidInput("TBX files declaring entities are refused")
    if etree.QName(root).localname not in ("martif", "tbx"):
        raise InvalidInput("the XML file is not TBX (its root element is not <martif>)")
    try:
        return tbx.tbxfile.parsestring(data)
    except (etree.XMLSyntaxError, ValueError, AssertionError) as exc:
        raise InvalidInput(f"not a valid TBX file: {exc}") from None


def read_tbx(data: bytes, source_lang: str | None = None, target_lang: str | None = None) -> list[Row]:
    """Every (source term, target term) pair of the file; ``target_lang`` keeps only that language."""
    store = _tbx_store(data)
    declared = store.document.getroot().get("{http://www.w3.org/XML/1998/namespace}lang")
    source = _lang(declared or source_lang, "source", "the TBX file")
    if source_lang and declared and languages.validate(source_lang) != source:
        raise InvalidInput(f"the TBX file's source language is {source!r}, not {source_lang!r}")
    wanted = languages.validate(target_lang) if target_lang else None
    rows: list[Row] = []
    for number, unit in enumerate(store.units, start=1):
        where = f"term entry {unit.getid() or number}"
        nodes = unit.getlanguageNodes()
        langs = [getXMLlang(node) or "" for node in nodes]
        source_node = next((n for n, lang in zip(nodes, langs, strict=True) if _same(lang, source)), None)
        if source_node is None:
            raise InvalidInput(f"{where}: no {source!r} term")
        source_terms = [t.text for t in unit._get_terms(source_node) if t.text.strip()]
        for node, lang in zip(nodes, langs, strict=True):
            if node is source_node:
                continue
            target = _lang(lang, "target", where)
            if wanted and target != wanted:
                continue
            for term in unit._get_terms(node):
                if not term.text.strip():
                    continue
                notes = "\n".join(dict.fromkeys(n.text.strip() for n in term.notes if n.text.strip()))
                rows += [Row(where, source, target, TermInput(text, term.text, notes, term.deprecated))
                         for text in source_terms]
    return rows


def _same(lang: str, code: str) -> bool:
    return lang.replace("_", "-").lower() == code.lower()


def read_file(path: str | Path, source_lang: str | None = None, target_lang: str | None = None) -> list[Row]:
    """The terms of a CSV/TSV or TBX file (by extension, else by content)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    if path.stat().st_size > MAX_BYTES:
        raise InvalidInput(f"the glossary file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return read_bytes(path.read_bytes(), path.name, source_lang, target_lang)


def read_bytes(data: bytes, name: str, source_lang: str | None = None, target_lang: str | None = None) -> list[Row]:
    """The terms of an uploaded file; ``name`` (its file name) tells TBX and TSV apart, else the content does."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the glossary file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if name.lower().endswith((".tbx", ".xml")) or data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return read_tbx(data, source_lang, target_lang)
    return read_csv(data, source_lang, target_lang, name=name)


# --- writing into the glossary ---------------------------------------------------------------------

def apply(rows: list[Row], *, user_id: int | None = None) -> dict[str, int]:
    """Add or update every row in one transaction; the first bad row refuses the whole file."""
    if not rows:
        raise InvalidInput("the file holds no glossary terms")
    counts = {"terms": len(rows), "added": 0, "updated": 0}
    seen: set[tuple[str, str, str, str]] = set()
    try:
        for row in rows:
            if row.source_lang == row.target_lang:
                raise InvalidInput("the source and target languages must differ")
            term = services.clean_input(row.term)
            key = (row.source_lang, row.target_lang, term.source, term.target)
            if key in seen:
                raise InvalidInput(f"{term.source!r} → {term.target!r} appears twice")
            seen.add(key)
            existing = db.session.scalar(select(GlossaryTerm).filter_by(
                source_lang=row.source_lang, target_lang=row.target_lang, source=term.source, target=term.target))
            if existing is None:
                db.session.add(GlossaryTerm(source_lang=row.source_lang, target_lang=row.target_lang,
                                            source=term.source, target=term.target, notes=term.notes,
                                            forbidden=term.forbidden, case_sensitive=term.case_sensitive,
                                            created_by_id=user_id))
                counts["added"] += 1
            elif (existing.notes, existing.forbidden, existing.case_sensitive) != \
                    (term.notes, term.forbidden, term.case_sensitive):
                existing.notes, existing.forbidden = term.notes, term.forbidden
                existing.case_sensitive, existing.updated_at = term.case_sensitive, utcnow()
                counts["updated"] += 1
        db.session.commit()
    except TransdeskError as exc:
        db.session.rollback()
        raise InvalidInput(f"{row.where}: {exc.message}") from None
    services.forget()
    return counts


def import_file(path: str | Path, source_lang: str | None = None, target_lang: str | None = None,
                *, user_id: int | None = None) -> dict[str, int]:
    return apply(read_file(path, source_lang, target_lang), user_id=user_id)


# --- export ---------------------------------------------------------------------------------------

def _yes(value: bool) -> str:
    return "yes" if value else "no"


def export_csv(terms: list[GlossaryTerm]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for t in terms:
        writer.writerow([t.source_lang, t.target_lang, t.source, t.target, t.notes or "", _yes(t.forbidden),
                         _yes(t.case_sensitive)])
    return out.getvalue()


def _entries(terms: list[GlossaryTerm]) -> Iterator[tuple[str, str, list[GlossaryTerm]]]:
    grouped: dict[tuple[str, str], list[GlossaryTerm]] = {}
    for t in terms:
        grouped.setdefault((t.source_lang, t.source), []).append(t)
    for (source_lang, source), items in grouped.items():
        yield source_lang, source, items


def export_tbx(terms: list[GlossaryTerm]) -> bytes:
    """One termEntry per source term; forbidden translations carry the deprecated administrative status."""
    source_langs = {t.source_lang for t in terms}
    if len(source_langs) > 1:
        raise InvalidInput("a TBX file has one source language: choose one with --source-lang")
    store = tbx.tbxfile(sourcelanguage=next(iter(source_langs), "en"))
    store.addheader()
    for source_lang, source, items in _entries(terms):
        unit = store.addsourceunit(source)
        unit.set_source_terms([source], source_lang)
        by_lang: dict[str, list[GlossaryTerm]] = {}
        for t in items:
            by_lang.setdefault(t.target_lang, []).append(t)
        for lang, targets in by_lang.items():
            unit.set_target_terms([t.target for t in targets], lang)
            node = unit.get_target_dom(lang)
            for tig, t in zip(node.findall(unit.namespaced("tig")), targets, strict=True):
                if t.forbidden:
                    etree.SubElement(tig, unit.namespaced("termNote"), type="administrativeStatus").text = DEPRECATED
                if t.notes:
                    etree.SubElement(tig, unit.namespaced("note")).text = t.notes
    return bytes(store)
