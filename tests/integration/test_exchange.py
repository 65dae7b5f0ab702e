"""XLIFF 1.2 / 2.0 and PO: export, schema validity, import back through save, hostile files, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select

from tests.conftest import FIXTURES, run_cli
from tests.factories import import_sample, make_user

pytestmark = pytest.mark.integration

XSD = FIXTURES / "xliff" / "xliff_core_2.0.xsd"
FORMATS = ["xliff12", "xliff20", "po"]


def drafted(langs: tuple[str, ...] = ("ru",)) -> Any:
    from service.translation.pipeline import translate_batch

    article = import_sample(list(langs))
    for lang in langs:
        translate_batch(article.id, lang, [s.id for s in article.segments])
    return article


def retranslate(data: bytes, fmt: str, change: dict[str, str]) -> bytes:
    """Set the target of the units whose id is in ``change`` (what a translator's tool would do)."""
    from translate.storage import po, xliff, xliff2

    store: Any
    if fmt == "po":
        store = po.pofile.parsestring(data)
        units = {u.getcontext(): u for u in store.units if not u.isheader()}
    elif fmt == "xliff12":
        store = xliff.xlifffile.parsestring(data)
        units = {u.xmlelement.get("id"): u for u in store.units}
    else:
        store = xliff2.Xliff2File.parsestring(data)
        units = {u.getid(): u for u in store.units}
    for unit_id, text in change.items():
        units[unit_id].target = text
    return bytes(store)


def test_xliff20_export_validates_against_the_oasis_schema(db: Any) -> None:
    from service.translation import exchange

    article = drafted()
    data = exchange.export(article, "ru", "xliff20")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(data)
    assert schema.validate(document), schema.error_log
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    units = document.findall(".//x:unit", ns)
    assert [u.get("id") for u in units] == [str(s.id) for s in article.segments]
    first = article.segments[0]
    assert units[0].findtext("x:notes/x:note", namespaces=ns) == f"source-hash: {first.source_hash}"
    assert units[0].findtext("x:segment/x:source", namespaces=ns) == first.source
    assert {u.find("x:segment", ns).get("state") for u in units} == {"initial"}  # machine drafts
    assert document.get("srcLang") == "en" and document.get("trgLang") == "ru"


def test_xliff12_and_po_exports_carry_ids_hashes_and_states(db: Any) -> None:
    from translate.storage import po, xliff

    from service.review import services as review
    from service.translation import exchange

    article = drafted()
    segment = article.segments[0]
    row = review.get_translation(article.id, "ru", segment.id)
    reviewer = make_user("rev-x@example.org", "reviewer", "ru")
    review.approve(row, reviewer, base_version=row.version, text=row.text)

    data12 = exchange.export(article, "ru", "xliff12")
    assert b'version="1.2"' in data12 and b"urn:oasis:names:tc:xliff:document:1.2" in data12
    store12 = xliff.xlifffile.parsestring(data12)
    unit = store12.units[0]
    assert unit.xmlelement.get("id") == str(segment.id) and f"source-hash: {segment.source_hash}" in unit.getnotes()
    assert unit.isapproved() and unit.target == row.text

    store_po = po.pofile.parsestring(exchange.export(article, "ru", "po"))
    units = [u for u in store_po.units if not u.isheader()]
    assert len(units) == len(article.segments)
    assert units[0].getcontext() == str(segment.id) and not units[0].isfuzzy()
    assert units[1].isfuzzy()  # a machine draft


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_applies_changes_through_save_and_reports_every_unit(db: Any, tmp_path: Path, fmt: str) -> None:
    from service.history import Event
    from service.review import services as review
    from service.translation import exchange

    article = drafted()
    translator = make_user(f"tr-{fmt}@example.org", "translator", "ru")
    first, second = article.segments[0], article.segments[1]
    data = exchange.export(article, "ru", fmt)
    path = tmp_path / f"back.{fmt}"
    path.write_bytes(retranslate(data, fmt, {str(first.id): "Исправленный перевод.",
                                             str(second.id): "Перевод {99}со сломанным тегом{/99}."}))

    report = exchange.import_translations(path, translator)
    assert report.applied == 1
    assert report.applied + len(report.skipped) == len(article.segments)  # every unit accounted for
    reasons = dict(report.skipped)
    assert "tags" in reasons[str(second.id)]
    assert {r for i, r in report.skipped if i != str(second.id)} == {"unchanged"}

    row = review.get_translation(article.id, "ru", first.id)
    assert (row.text, row.state, row.origin, row.updated_by_id) == ("Исправленный перевод.", "translated", "import",
                                                                    translator.id)
    event = db.session.scalars(select(Event).filter_by(segment_id=first.id, lang="ru", action="save")).one()
    assert event.user_id == translator.id and event.new_text == "Исправленный перевод."


def test_changed_source_and_unknown_segments_are_reported(db: Any, tmp_path: Path) -> None:
    from service.translation import exchange

    article = drafted()
    first, second = article.segments[0], article.segments[1]
    data = retranslate(exchange.export(article, "ru", "xliff20"), "xliff20",
                       {str(first.id): "Новый текст.", str(second.id): "Другой текст."})
    data = data.replace(f'<unit id="{second.id}"'.encode(), b'<unit id="999999"')
    data = data.replace(f"source-hash: {first.source_hash}".encode(), b"source-hash: " + b"0" * 64)
    path = tmp_path / "stale.xlf"
    path.write_bytes(data)
    report = exchange.import_translations(path, make_user("ed-x@example.org", "editor"))
    reasons = dict(report.skipped)
    assert report.applied == 0
    assert reasons[str(first.id)] == "the source changed since the export"
    assert reasons["999999"] == "unknown segment"


def test_import_needs_edit_rights_for_the_language(db: Any, tmp_path: Path) -> None:
    from service.errors import Forbidden
    from service.translation import exchange

    article = drafted()
    path = tmp_path / "a.po"
    path.write_bytes(exchange.export(article, "ru", "po"))
    with pytest.raises(Forbidden):
        exchange.import_translations(path, make_user("tr-kk@example.org", "translator", "kk"))


XXE = ('<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ru">'
       '<file id="f1"><unit id="1"><segment><source>A</source><target>&xxe;</target></segment></unit></file></xliff>')
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                    for i in range(1, 10))
          + ']>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ru">'
          '<file id="f1"><unit id="1"><segment><source>A</source><target>&lol9;</target></segment></unit></file>'
          "</xliff>")


@pytest.mark.parametrize("content", [XXE, LAUGHS], ids=["external-entity", "billion-laughs"])
def test_hostile_xml_is_refused_without_leaking(db: Any, tmp_path: Path, content: str) -> None:
    from service.errors import InvalidInput
    from service.translation import exchange

    path = tmp_path / "evil.xlf"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        exchange.import_translations(path, make_user("ed-evil@example.org", "editor"))
    assert "root:" not in refused.value.message and "lollol" not in refused.value.message


def test_cli_export_and_import_translations(committed: Any, tmp_path: Path) -> None:
    article = drafted()
    make_user("admin-x@example.org", "admin")
    segment_id = article.segments[0].id
    out = tmp_path / "a.xlf"
    done = run_cli("export", str(article.id), "ru", "--format", "xliff20", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["format"] == "xliff20"
    out.write_bytes(retranslate(out.read_bytes(), "xliff20", {str(segment_id): "Из командной строки."}))

    done = run_cli("import-translations", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["applied"] == 1 and report["lang"] == "ru"
    assert len(report["skipped"]) == len(article.segments) - 1

    stdout = run_cli("export", article.slug, "ru", "--format", "po")
    assert stdout.returncode == 0 and "Из командной строки." in stdout.stdout.decode()

    for args in (("import-translations", str(tmp_path / "missing.xlf")),
                 ("import-translations", str(out), "--as", "nobody@example.org"),
                 ("export", str(article.id), "xx-nonsense", "--format", "po")):
        bad = run_cli(*args)
        assert bad.returncode == 1 and bad.stderr.decode().count("\n") == 1, (args, bad.stderr)
