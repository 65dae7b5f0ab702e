"""The Babel catalog pipeline (service/i18n.py) and the state of the shipped catalogs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from babel.support import Translations

from service import i18n
from service.public import menus

ROOT = Path(__file__).resolve().parents[2]
OWN_TEMPLATES = [
    ROOT / "service/public/templates/public/layout.html",
    ROOT / "service/public/templates/public/article.html",
    ROOT / "service/public/templates/public/404.html",
]


def test_extract_is_deterministic(tmp_path: Path) -> None:
    first = i18n.extract(tmp_path / "a.pot")
    second = i18n.extract(tmp_path / "b.pot")
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    assert '"Project-Id-Version: Transdesk' in text
    assert '"POT-Creation-Date: 2024-01-01 00:00+0000\\n"' in text
    # Locations without line numbers, so moving code does not churn the template.
    assert "#: service/public/menus.py" in text
    assert not re.search(r"^#: .*:\d+", text, re.M)
    # Translator comments are kept, the NOTE: tag is stripped.
    assert "#. Help text under the site search box." in text
    assert 'msgid "You can search using keywords to narrow down the list."' in text
    # Country names are not messages.
    assert 'msgid "Armenia"' not in text


def test_menu_messages_are_all_extracted(tmp_path: Path) -> None:
    with i18n.extract(tmp_path / "m.pot").open("rb") as fh:
        template = read_po(fh)
    extracted = {m.id for m in template if m.id}
    assert set(menus.all_menu_messages()) <= extracted


def _own_template_messages() -> set[str]:
    found: set[str] = set()
    for path in OWN_TEMPLATES:
        for _lineno, message, _comments, _context in extract_from_file(
            "jinja2",
            str(path),
            keywords=i18n.KEYWORDS,
            comment_tags=i18n.COMMENT_TAGS,
            options={"trimmed": "true"},
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_owned_files_are_fully_translated_in_russian() -> None:
    with (ROOT / "locales/ru/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    assert not catalog.fuzzy
    own = set(menus.all_menu_messages()) | _own_template_messages()
    assert "Tags" in own
    for msgid in own:
        message = catalog.get(msgid)
        assert message is not None and message.string and not message.fuzzy, msgid
    assert catalog.get("Regions").string == "Регионы"
    assert catalog.get("Eurasian Fringe").string == "Евразийская периферия"


@pytest.mark.parametrize("lang", ["ru", "kk", "fa"])
def test_shipped_catalogs_keep_every_placeholder(lang: str) -> None:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    assert not catalog.fuzzy and catalog.locale_identifier == lang
    for message in catalog:
        if message.id and message.string and not message.fuzzy:
            assert sorted(re.findall(r"%\(\w+\)[sd]", message.string)) == sorted(
                re.findall(r"%\(\w+\)[sd]", message.id)), (lang, message.id)


def test_kazakh_and_persian_translate_the_whole_ui() -> None:
    """Every msgid of the committed template has a non-fuzzy translation in kk and fa."""
    with (ROOT / "locales/messages.pot").open("rb") as fh:
        template = read_po(fh)
    for lang in ("kk", "fa"):
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in template:
            if message.id:
                translated = catalog.get(message.id)
                assert translated is not None and translated.string and not translated.fuzzy, (lang, message.id)
    with (ROOT / "locales/kk/LC_MESSAGES/messages.po").open("rb") as fh:
        assert read_po(fh, locale="kk").get("Page not found").string == "Бет табылмады"
    with (ROOT / "locales/fa/LC_MESSAGES/messages.po").open("rb") as fh:
        assert read_po(fh, locale="fa").get("Page not found").string == "صفحه پیدا نشد"


def test_languages_setting_ships_kazakh_and_persian() -> None:
    from service import config, languages

    assert config.DEFAULTS["LANGUAGES"].split(",") == ["en", "ru", "kk", "fa"]
    assert languages.direction("fa") == "rtl" and languages.direction("kk") == "ltr"
    docs = (ROOT / "docs/languages.md").read_text(encoding="utf-8")
    assert "transdesk translate add" in docs and "one command" in docs


def test_whole_repo_is_extracted_and_translated(tmp_path: Path) -> None:
    # Covers everyone's strings: fails until `transdesk translate extract/update` and the
    # translations have caught up with new UI strings, which is the point.
    problems = i18n.check(tmp_path / "messages.pot")
    assert problems == []


def test_no_compiled_catalogs_or_strays_in_locales() -> None:
    shipped = sorted(p.relative_to(ROOT / "locales").as_posix() for p in (ROOT / "locales").rglob("*.po"))
    assert {"ru/LC_MESSAGES/messages.po", "kk/LC_MESSAGES/messages.po", "fa/LC_MESSAGES/messages.po"} <= set(shipped)
    assert (ROOT / "locales/babel.cfg").is_file() and (ROOT / "locales/messages.pot").is_file()


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A minimal project tree with its own sources and locales/."""
    (tmp_path / "locales").mkdir()
    shutil.copy(ROOT / "locales/babel.cfg", tmp_path / "locales/babel.cfg")
    (tmp_path / "service/things/templates").mkdir(parents=True)
    (tmp_path / "service/things/views.py").write_text(
        "from flask_babel import gettext as _\n\n# NOTE: A greeting.\nGREETING = _('Hello')\n",
        encoding="utf-8",
    )
    (tmp_path / "service/things/templates/page.html").write_text(
        "<p>{% trans %}\n  Good\n     morning\n{% endtrans %}</p>\n", encoding="utf-8"
    )
    (tmp_path / "workers").mkdir()
    (tmp_path / "workers/job.py").write_text(
        "from flask_babel import lazy_gettext\nX = lazy_gettext('Queued')\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/ignored.py").write_text("_('Not extracted')\n")
    return tmp_path


def test_pipeline_add_update_compile(project: Path) -> None:
    locales = project / "locales"
    pot = i18n.extract(locales / "messages.pot", root=project)
    with pot.open("rb") as fh:
        ids = {m.id for m in read_po(fh) if m.id}
    assert ids == {"Hello", "Good morning", "Queued"}  # trimmed whitespace; tests/ not scanned

    po_path = i18n.add_language("de", locales_dir=locales)
    assert po_path == locales / "de/LC_MESSAGES/messages.po"
    assert i18n.add_language("pt-BR", locales_dir=locales).parent.parent.name == "pt_BR"
    with pytest.raises(FileExistsError):
        i18n.add_language("de", locales_dir=locales)

    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale="de")
    catalog.get("Hello").string = "Hallo"
    i18n._write(catalog, po_path)

    problems = i18n.check(project / "fresh.pot", root=project)
    assert any("untranslated 'Good morning'" in p for p in problems)
    assert not any("'Hello'" in p and "de/" in p for p in problems)

    mo_files = i18n.compile(locales)
    assert locales / "de/LC_MESSAGES/messages.mo" in mo_files
    assert Translations.load(str(locales), ["de"]).gettext("Hello") == "Hallo"

    # A changed source: new message flagged as drift until extracted, then merged untranslated.
    views = project / "service/things/views.py"
    views.write_text(views.read_text() + "BYE = _('Goodbye')\n")
    assert any(
        "out of date (new message 'Goodbye')" in p for p in i18n.check(project / "fresh.pot", root=project)
    )
    i18n.extract(locales / "messages.pot", root=project)
    i18n.update(locales)
    with po_path.open("rb") as fh:
        merged = read_po(fh, locale="de")
    assert merged.get("Goodbye") is not None and not merged.get("Goodbye").string
    assert merged.get("Hello").string == "Hallo"


def test_check_flags_fuzzy_entries(project: Path) -> None:
    locales = project / "locales"
    i18n.extract(locales / "messages.pot", root=project)
    po_path = i18n.add_language("ru", locales_dir=locales)
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    for message in catalog:
        if message.id:
            message.string = "перевод"
    catalog.get("Queued").flags.add("fuzzy")
    i18n._write(catalog, po_path)
    assert i18n.check(project / "fresh.pot", root=project) == [
        "locales/ru/LC_MESSAGES/messages.po: fuzzy 'Queued'"
    ]
