"""The site menus and the reader page layout: one structure, labels per language."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, g, render_template
from flask_babel import Babel

from service import i18n
from service.public import menus

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ROOT / "service" / "public"
RU_PO = ROOT / "locales" / "ru" / "LC_MESSAGES" / "messages.po"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@pytest.fixture(scope="session")
def compiled_locales(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of locales/ with .mo files built: .mo files are build products, never in the tree."""
    target = tmp_path_factory.mktemp("locales") / "locales"
    shutil.copytree(ROOT / "locales", target, ignore=shutil.ignore_patterns("*.mo"))
    assert i18n.compile(target), "no catalog compiled"
    return target


@pytest.fixture()
def app(compiled_locales: Path) -> Flask:
    app = Flask(__name__)
    app.config.update(TESTING=True, BABEL_TRANSLATION_DIRECTORIES=str(compiled_locales))
    # Same names as the real blueprint so that url_for('public.static', ...) resolves.
    public = Blueprint(
        "public",
        "service.public",
        static_folder=str(PUBLIC / "static"),
        static_url_path="/public-static",
        template_folder="templates",
    )
    app.register_blueprint(public)
    Babel(app, locale_selector=lambda: g.get("reader_lang") or "en")
    return app


def _shape(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(i["key"], i["href"], i["kind"], tuple(_shape(i["children"]))) for i in items]


def _labels(items: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item["label"]:
            out.append(item["label"])
        out.extend(_labels(item["children"]))
    return out


def _find(items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    for item in items:
        if item["key"] == key:
            return item
        if item["children"]:
            try:
                return _find(item["children"], key)
            except KeyError:
                pass
    raise KeyError(key)


def test_structure_is_identical_across_languages(app: Flask) -> None:
    with app.app_context():
        en, ru = menus.site_menus("en"), menus.site_menus("ru")
    assert _shape(en["main"]) == _shape(ru["main"])
    assert _shape(en["footer"]) == _shape(ru["footer"])
    assert set(en) == set(ru)
    assert [i["key"] for i in en["main"]] == [
        "regions",
        "topics",
        "media",
        "about",
        "search",
        "newsletter",
        "language",
        "support",
    ]
    regions = _find(en["main"], "regions")
    assert [(g["label"], len(g["children"])) for g in regions["children"]] == [
        ("Caucasus", 3),
        ("Central Asia", 5),
        ("Conflict Zones", 3),
        ("Eastern Europe", 5),
        ("Eurasian Fringe", 8),
    ]
    assert _find(en["main"], "armenia")["href"] == "/region/armenia"
    assert [c["key"] for c in _find(en["main"], "society")["children"]] == [
        "american-diplomats-central-asia",
        "arts-and-culture",
        "coronavirus",
        "student-spotlight",
    ]
    assert len(_find(en["main"], "politics")["children"]) == 2
    assert len(_find(en["main"], "podcasts")["children"]) == 3
    assert [i["label"] for i in en["footer"]] == [
        "About",
        "Team",
        "Contribute",
        "Republishing",
        "Privacy Policy",
        "Corrections",
        "Contact",
    ]
    # The labels themselves do change.
    assert _find(ru["main"], "regions")["label"] == "Регионы"
    assert _find(ru["main"], "support")["label"] == "Поддержите нас"
    assert ru["search_hint"] != en["search_hint"]


def test_every_menu_message_has_a_russian_translation() -> None:
    with RU_PO.open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    msgids = menus.all_menu_messages()
    assert "Regions" in msgids and "You can search using keywords to narrow down the list." in msgids
    assert "Armenia" not in msgids  # countries come from CLDR
    for msgid in msgids:
        message = catalog.get(msgid)
        assert message is not None, f"{msgid!r} missing from the ru catalog"
        assert message.string, f"{msgid!r} untranslated"
        assert not message.fuzzy, f"{msgid!r} fuzzy"


SHIPPED = ("en", "ru", "kk", "fa")


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        out.append(item)
        out.extend(_items(item["children"]))
    return out


@pytest.mark.parametrize("lang", SHIPPED[1:])
def test_every_shipped_language_labels_every_menu_item(app: Flask, lang: str) -> None:
    """Same structure in every shipped language, and every item labelled in that language (not English)."""
    with app.app_context():
        en, other = menus.site_menus("en"), menus.site_menus(lang)
    assert _shape(other["main"]) == _shape(en["main"]) and _shape(other["footer"]) == _shape(en["footer"])
    assert set(other) == set(en) and set(other["chrome"]) == set(en["chrome"])
    brands = {"EurasiaChat", "Tamada Tales", "The Bug Pit", "The Central Asianist"}  # kept as is
    translated = 0
    for mine, english in zip(_items(other["main"]) + _items(other["footer"]),
                             _items(en["main"]) + _items(en["footer"]), strict=True):
        if mine["kind"] == "language":
            continue
        assert mine["label"], (lang, mine["key"])
        if english["label"] not in brands:
            assert mine["label"] != english["label"], (lang, mine["key"], mine["label"])
            translated += 1
    assert translated >= 55
    for key, label in other["chrome"].items():
        assert label and label != en["chrome"][key], (lang, key)
    assert other["search_hint"] != en["search_hint"]
    assert other["copyright"] == en["copyright"]  # "%(site)s © %(year)s" reads the same everywhere


@pytest.mark.parametrize("lang", SHIPPED[1:])
def test_every_menu_message_is_in_each_shipped_catalog(lang: str) -> None:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    for msgid in menus.all_menu_messages():
        message = catalog.get(msgid)
        assert message is not None and message.string and not message.fuzzy, (lang, msgid)


def test_kazakh_and_persian_labels(app: Flask) -> None:
    with app.app_context():
        kk, fa = menus.site_menus("kk"), menus.site_menus("fa")
    assert _find(kk["main"], "regions")["label"] == "Өңірлер"
    assert _find(fa["main"], "regions")["label"] == "مناطق"
    assert _find(kk["main"], "kazakhstan")["label"] == Locale.parse("kk").territories["KZ"]
    assert _find(fa["main"], "iran")["label"] == Locale.parse("fa").territories["IR"]
    assert fa["chrome"]["skip_link"] == "رفتن به محتوای اصلی"


def test_country_labels_come_from_cldr(app: Flask) -> None:
    with app.app_context():
        ru, en = menus.site_menus("ru"), menus.site_menus("en")
    ru_names, en_names = Locale.parse("ru").territories, Locale.parse("en").territories
    codes = menus.territory_codes()
    assert len(codes) == 19
    for item in menus.all_items():
        if item.territory:
            assert _find(ru["main"], item.key)["label"] == ru_names[item.territory]
            assert _find(en["main"], item.key)["label"] == en_names[item.territory]
    assert _find(ru["main"], "armenia")["label"] == "Армения"
    assert _find(en["main"], "armenia")["label"] == "Armenia"
    # Non-ISO entries are gettext.
    assert _find(ru["main"], "eu")["label"] == "ЕС"
    assert _find(ru["main"], "nagorno-karabakh")["label"] == "Нагорный Карабах"


def test_country_names_are_not_typed_in() -> None:
    ru_names = Locale.parse("ru").territories
    typed = [ru_names[code] for code in menus.territory_codes()]
    for path in (ROOT / "service").rglob("*"):
        if path.is_file() and path.suffix in {".py", ".html", ".txt", ".json", ".cfg", ".css"}:
            text = path.read_text(encoding="utf-8", errors="ignore")
            assert "Армения" not in text, path
            if path.is_relative_to(PUBLIC):
                for name in typed:
                    assert name not in text, (path, name)


def test_site_menus_outside_an_app(compiled_locales: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(menus, "LOCALES_DIR", compiled_locales)
    ru = menus.site_menus("ru", year=2025)
    assert _find(ru["main"], "topics")["label"] == "Темы"
    assert ru["copyright"] == "Eurasianet © 2025"
    assert ru["chrome"]["skip_link"] == "Перейти к основному содержанию"


class _Page(HTMLParser):
    """Collects visible text and accessible names, and checks that elements nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.texts: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        for name in ("aria-label", "alt", "title"):
            if attributes.get(name):
                self.texts.append(str(attributes[name]).strip())
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(" ".join(data.split()))


def _article(lang: str) -> dict[str, Any]:
    title = (
        "Армения раскрыла <em>попытку</em> переворота" if lang == "ru" else "Armenia breaks up <em>coup</em>"
    )
    return {
        "title_html": title,
        "dek_html": None,
        "tags": [{"html": "Армения" if lang == "ru" else "Armenia", "href": "/region/armenia"}],
        "authors_html": ["Ани Аветисян", "Второй Автор"],
        "date_iso": "2024-09-19",
        "date_display": "19 сентября 2024 г." if lang == "ru" else "Sep 19, 2024",
        "figure": {
            "src": "/img/pm.jpg",
            "alt": "Пашинян",
            "caption_html": "Фото: <a href='x'>primeminister.am</a>",
        },
        "body_blocks": [
            {"kind": "paragraph", "html": "Первый абзац."},
            {"kind": "heading", "html": "Подзаголовок"},
            {"kind": "list_item", "html": "Один"},
            {"kind": "list_item", "html": "Два"},
            {"kind": "quote", "html": "Цитата"},
        ],
        "newsletter_html": None,
    }


def _render(app: Flask, lang: str) -> str:
    alternates = [
        {"lang": "en", "name": "English", "url": "/en/coup", "current": lang == "en"},
        {"lang": "ru", "name": "русский", "url": "/ru/coup", "current": lang == "ru"},
    ]
    with app.test_request_context(f"/{lang}/coup"):
        g.reader_lang = lang
        return render_template(
            "public/article.html",
            lang=lang,
            dir="ltr",
            page_title="Заголовок" if lang == "ru" else "Headline",
            canonical_url=f"https://example.org/{lang}/coup",
            alternates=alternates,
            x_default_url="https://example.org/en/coup",
            menus=menus.site_menus(lang),
            og_locale={"ru": "ru_RU", "en": "en_US"}[lang],
            article=_article(lang),
        )


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    assert not page.errors, page.errors[:5]
    assert page.stack == [], page.stack
    return page


def test_russian_page_has_no_english_chrome(app: Flask) -> None:
    html = _render(app, "ru")
    page = _parse(html)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="ru" dir="ltr">' in html
    for label in (
        "Регионы",
        "Темы",
        "Медиа",
        "Поиск",
        "Рассылка",
        "Поддержите нас",
        "Кавказ",
        "Армения",
        "Зоны конфликтов",
        "Политика конфиденциальности",
        "Перейти к основному содержанию",
        "Чтобы сузить список, используйте для поиска ключевые слова.",
    ):
        assert label in page.texts, label
    with app.app_context():
        english = menus.site_menus("en")
        russian = menus.site_menus("ru")
    english_chrome = (
        set(_labels(english["main"])) | set(_labels(english["footer"])) | set(english["chrome"].values())
    ) | {english["search_hint"]}
    # Brand names (blogs, podcasts) are the same in both languages.
    english_chrome -= set(_labels(russian["main"])) | set(_labels(russian["footer"]))
    assert {"Regions", "Support us", "Privacy Policy", "Armenia", "Main menu"} <= english_chrome
    leaked = english_chrome & set(page.texts)
    assert not leaked, leaked
    for word in ("Regions", "Support us", "Privacy Policy", "Skip to main content", "Topics"):
        assert word not in html


def test_head_alternates_and_switcher(app: Flask) -> None:
    html = _render(app, "ru")
    tags = _parse(html).tags
    links = [a for t, a in tags if t == "link"]
    assert {"rel": "canonical", "href": "https://example.org/ru/coup"} in links
    assert {"rel": "alternate", "hreflang": "en", "href": "/en/coup"} in links
    assert {"rel": "alternate", "hreflang": "ru", "href": "/ru/coup"} in links
    assert {"rel": "alternate", "hreflang": "x-default", "href": "https://example.org/en/coup"} in links
    assert any(a.get("href") == "/public-static/site.css" for a in links)
    metas = [a for t, a in tags if t == "meta"]
    assert {"property": "og:locale", "content": "ru_RU"} in metas
    switch = {a["lang"]: a for t, a in tags if t == "a" and a.get("lang")}
    assert switch["en"]["hreflang"] == "en" and "aria-current" not in switch["en"]
    assert switch["ru"]["aria-current"] == "page"
    assert ">English</a>" in html and ">русский</a>" in html
    assert '<a class="skip-link" href="#main-content">' in html
    assert '<main id="main-content"' in html


def test_article_markup(app: Flask) -> None:
    html = _render(app, "ru")
    _parse(html)
    assert '<h1 class="article__title">Армения раскрыла <em>попытку</em> переворота</h1>' in html
    assert '<time datetime="2024-09-19">19 сентября 2024 г.</time>' in html
    assert "<figcaption>Фото: <a href='x'>primeminister.am</a></figcaption>" in html
    assert html.count("<ul>") >= 1 and "<li>Один</li>" in html
    # The two consecutive list items share one list.
    body = html.split('<div class="article__body">')[1].split("</div>")[0]
    assert body.count("<ul>") == 1 and body.count("<li>") == 2
    assert "<blockquote><p>Цитата</p></blockquote>" in html
    assert "<h2>Подзаголовок</h2>" in html


def test_english_page_uses_english_labels(app: Flask) -> None:
    html = _render(app, "en")
    page = _parse(html)
    assert '<html lang="en" dir="ltr">' in html
    for label in (
        "Regions",
        "Topics",
        "Media",
        "About",
        "Search",
        "Newsletter",
        "Support us",
        "Armenia",
        "Privacy Policy",
        "Skip to main content",
        "Eurasian Fringe",
        "You can search using keywords to narrow down the list.",
    ):
        assert label in page.texts, label
    assert "Регионы" not in html
