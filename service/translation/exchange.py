"""Exchange with outside tools: XLIFF 1.2, XLIFF 2.0 and PO out, translations back in, via translate-toolkit.

One unit per segment: its id is the segment id, a note ``source-hash: …`` carries the segment's source hash so a
returned file is matched back only to the source it was made from. Placeholders travel as plain text (``{1}``,
``{/1}``, ``{2/}``), not as XLIFF inline ``<pc>``/``<ph>`` elements. Imports go through
``service.review.services.save`` (rights, tag checks, optimistic locking, history).

XML is parsed by translate-toolkit's safe parser (``resolve_entities=False``, ``no_network=True``); on top of
that a file that declares a DTD (where entities live) is refused outright.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from lxml import etree
from sqlalchemy import select, update
from translate.misc.xml_helpers import parse_xml
from translate.storage import po, xliff, xliff2

from service import languages
from service.accounts import rights
from service.articles.models import Article, Segment
from service.errors import Forbidden, InvalidInput, TooLarge, TransdeskError
from service.extensions import db
from service.translation.models import Translation
from service.translation.states import Origin, State

FORMATS = ("xliff12", "xliff20", "po")
HASH_NOTE = "source-hash: "
XLIFF12_NS = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF20_NS = "urn:oasis:names:tc:xliff:document:2.0"

# Our workflow states in XLIFF 2.0 (initial/translated/reviewed/final) and XLIFF 1.2 target states.
XLIFF20_STATE = {State.TRANSLATED.value: "translated", State.APPROVED.value: "final"}
XLIFF12_STATE = {State.TRANSLATED.value: "translated", State.APPROVED.value: "signed-off",
                 State.DRAFT.value: "needs-review-translation", State.NEEDS_WORK.value: "needs-review-translation",
                 State.STALE.value: "needs-review-translation"}


@dataclass
class Report:
    applied: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (unit id, reason)
    lang: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"lang": self.lang, "applied": self.applied,
                "skipped": [{"id": unit_id, "reason": reason} for unit_id, reason in self.skipped]}


def _rows(article: Article, lang: str) -> list[tuple[Segment, Translation | None]]:
    return [(s, t) for s, t in db.session.execute(
        select(Segment, Translation)
        .outerjoin(Translation, (Translation.segment_id == Segment.id) & (Translation.lang == lang))
        .where(Segment.article_id == article.id).order_by(Segment.position)
    )]


def export(article: Article, lang: str, fmt: str) -> bytes:
    """The article's segments for ``lang`` in ``fmt`` (xliff12 | xliff20 | po), as bytes."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    lang = languages.validate(lang)
    rows = _rows(article, lang)
    if fmt == "xliff20":
        return _export_xliff20(article, lang, rows)
    if fmt == "xliff12":
        return _export_xliff12(article, lang, rows)
    return _export_po(article, lang, rows)


def _export_xliff20(article: Article, lang: str, rows: list[tuple[Segment, Translation | None]]) -> bytes:
    store = xliff2.Xliff2File(sourcelanguage=article.source_lang, targetlanguage=lang)
    store.body.set("id", f"article-{article.id}")
    for segment, row in rows:
        unit = store.addsourceunit(segment.source)
        unit.setid(str(segment.id))
        if row is not None and row.text:
            unit.target = row.text
        unit.xmlelement.set("state", XLIFF20_STATE.get(row.state if row else "", "initial"))
        # The XLIFF 2.0 schema wants notes and xml:space on <unit>, before the <segment>; the toolkit puts
        # them on the segment, so the unit element is completed here.
        unit_element = unit.getunitelement()
        space = unit.xmlelement.attrib.pop("{http://www.w3.org/XML/1998/namespace}space", None)
        if space:
            unit_element.set("{http://www.w3.org/XML/1998/namespace}space", space)
        notes = etree.Element(f"{{{XLIFF20_NS}}}notes")
        etree.SubElement(notes, f"{{{XLIFF20_NS}}}note", category="transdesk").text = HASH_NOTE + segment.source_hash
        unit_element.insert(0, notes)
    return bytes(store)


def _export_xliff12(article: Article, lang: str, rows: list[tuple[Segment, Translation | None]]) -> bytes:
    skeleton = (f'<?xml version="1.0" encoding="UTF-8"?><xliff version="1.2" xmlns="{XLIFF12_NS}">'
                f'<file original="article-{article.id}" source-language="{article.source_lang}" '
                f'target-language="{lang}" datatype="plaintext"><body/></file></xliff>')
    store = xliff.xlifffile.parsestring(skeleton.encode())
    for segment, row in rows:
        unit = store.addsourceunit(segment.source, filename=f"article-{article.id}")
        unit.setid(str(segment.id))
        unit.addnote(HASH_NOTE + segment.source_hash, origin="developer")
        if row is not None and row.text:
            unit.target = row.text
            target = unit.xmlelement.find(f"{{{XLIFF12_NS}}}target")
            if target is not None:
                target.set("state", XLIFF12_STATE.get(row.state, "needs-translation"))
            if row.state == State.APPROVED.value:
                unit.markapproved(True)
    return bytes(store)


def _export_po(article: Article, lang: str, rows: list[tuple[Segment, Translation | None]]) -> bytes:
    store = po.pofile()
    store.updateheader(add=True, Language=lang, Project_Id_Version=f"transdesk article {article.id}",
                       Content_Type="text/plain; charset=UTF-8")
    for segment, row in rows:
        unit = store.addsourceunit(segment.source)
        unit.setcontext(str(segment.id))
        unit.addnote(HASH_NOTE + segment.source_hash, origin="developer")
        if row is not None and row.text:
            unit.target = row.text
            if row.state not in (State.TRANSLATED.value, State.APPROVED.value):
                unit.markfuzzy(True)
    return bytes(store)


# --- import -----------------------------------------------------------------------------------

def _load(data: bytes) -> tuple[Any, str]:
    """A translate-toolkit store for the bytes, and its format; refuses DTDs and anything unparseable."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        try:
            root = parse_xml(data)
        except etree.XMLSyntaxError as exc:
            raise InvalidInput(f"not a well-formed XML file: {exc}") from None
        if root.getroottree().docinfo.internalDTD is not None or b"<!ENTITY" in data:
            raise InvalidInput("XLIFF files with a DOCTYPE or entity declarations are refused")
        if etree.QName(root).localname != "xliff":
            raise InvalidInput("the XML file is not XLIFF")
        try:
            if root.get("version", "").startswith("2"):
                return xliff2.Xliff2File.parsestring(data), "xliff20"
            return xliff.xlifffile.parsestring(data), "xliff12"
        except (etree.XMLSyntaxError, ValueError, AssertionError) as exc:
            raise InvalidInput(f"not a valid XLIFF file: {exc}") from None
    try:
        return po.pofile.parsestring(data), "po"
    except Exception as exc:  # the PO parser raises assorted errors on garbage
        raise InvalidInput(f"not a valid PO or XLIFF file: {exc}") from None


def _unit_ref(unit: Any, fmt: str) -> tuple[str, str | None]:
    """(segment id as written in the file, source hash from its note)."""
    if fmt == "po":
        unit_id = unit.getcontext()
    elif fmt == "xliff12":  # the toolkit's getid() prefixes the <file original>; the trans-unit id is ours
        unit_id = unit.xmlelement.get("id")
    else:
        unit_id = unit.getid()
    if fmt == "xliff20":
        notes = unit.getunitelement().find(f"{{{XLIFF20_NS}}}notes")
        text = "\n".join(n.text or "" for n in notes) if notes is not None else ""
    else:
        text = unit.getnotes() or ""
    source_hash = next((line[len(HASH_NOTE):].strip() for line in text.splitlines() if line.startswith(HASH_NOTE)),
                       None)
    return str(unit_id or ""), source_hash


def _target_lang(store: Any) -> str:
    lang = store.gettargetlanguage() if hasattr(store, "gettargetlanguage") else None
    if not lang:
        raise InvalidInput("the file does not say its target language")
    return languages.validate(lang)


def import_translations(path: str | Path, user: Any) -> Report:
    """Apply every translated unit whose segment and source hash still match; report every other one."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    limit = int(current_app.config.get("MAX_IMPORT_BYTES", 5 * 1024 * 1024))
    if path.stat().st_size > limit:
        raise TooLarge(f"the file is larger than {limit} bytes")
    store, fmt = _load(path.read_bytes())
    lang = _target_lang(store)
    rights.require(rights.can_edit(user, lang), f"you have no rights to translate into {lang!r}")
    report = Report(lang=lang)
    for unit in store.units:
        if fmt == "po" and unit.isheader():
            continue
        unit_id, source_hash = _unit_ref(unit, fmt)
        reason = _apply(unit, unit_id, source_hash, lang, user)
        if reason is None:
            report.applied += 1
        else:
            report.skipped.append((unit_id, reason))
    return report


def _apply(unit: Any, unit_id: str, source_hash: str | None, lang: str, user: Any) -> str | None:
    """None when applied, else why not."""
    from service.review import services as review

    segment = db.session.get(Segment, int(unit_id)) if unit_id.isdigit() else None
    if segment is None:
        return "unknown segment"
    if not source_hash:
        return "no source hash in the unit"
    if source_hash != segment.source_hash:
        return "the source changed since the export"
    text = unit.target or ""
    if not text.strip():
        return "not translated"
    row = db.session.scalar(select(Translation).filter_by(segment_id=segment.id, lang=lang))
    if row is None:
        return f"the article is not being translated into {lang}"
    if text.strip() == (row.text or "").strip():
        return "unchanged"
    try:
        saved = review.save(row, user, text=text, base_version=row.version)
    except Forbidden:
        raise
    except TransdeskError as exc:
        db.session.rollback()
        return exc.message
    db.session.execute(update(Translation).where(Translation.id == saved.id, Translation.version == saved.version)
                       .values(origin=Origin.IMPORT.value))
    db.session.commit()
    return None
