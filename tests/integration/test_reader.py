"""What readers get over real HTTP: published versions, caching headers, negotiation, and the publish gate."""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests

from tests.factories import fake_translation, import_sample, make_user
from tests.integration.live import Browser, live_server

pytestmark = [pytest.mark.integration]

SLUG = "armenia-breaks-up-alleged-russian-inspired-coup-attempt"


def drafted_article(langs: tuple[str, ...] = ("ru",)) -> Any:
    """The sample with pseudo drafts for every segment (written here, whether or not a worker also runs)."""
    from service.translation.pipeline import translate_batch

    article = import_sample(languages=list(langs))
    article_id, segment_ids = article.id, [s.id for s in article.segments]
    for lang in langs:
        translate_batch(article_id, lang, segment_ids)
    return article


def people() -> tuple[Any, Any, Any]:
    return (make_user("translator@example.org", "translator", "ru"),
            make_user("reviewer@example.org", "reviewer", "ru"), make_user("editor@example.org", "editor"))


def translate(article: Any, translator: Any, positions: set[int] | None = None) -> dict[int, str]:
    """A person's text for the segments at ``positions`` (all when None), saved through the service."""
    from service.review import services

    texts: dict[int, str] = {}
    for segment in article.segments:
        if positions is None or segment.position in positions:
            row = services.get_translation(article.id, "ru", segment.id)
            texts[segment.id] = fake_translation(segment.source, segment.position + 1)
            services.save(row, translator, text=texts[segment.id], base_version=row.version)
    return texts


def approve(article: Any, reviewer: Any, positions: set[int] | None = None) -> None:
    from service.review import services

    for segment in article.segments:
        if positions is None or segment.position in positions:
            row = services.get_translation(article.id, "ru", segment.id)
            services.approve(row, reviewer, base_version=row.version)


def plain(text: str) -> str:
    """The first words of a fake translation, as they appear in the assembled HTML."""
    return re.sub(r"\{/?\d+/?\}", "", text).split(" ссылка")[0]


def switcher(page: str) -> str:
    match = re.search(r'<nav class="language-switcher".*?</nav>', page, re.S)
    assert match, "no language switcher on the page"
    return match.group(0)


def test_source_version_is_published_on_import_with_cache_headers(committed: Any) -> None:
    drafted_article()
    with live_server(committed) as base:
        page = requests.get(f"{base}/en/{SLUG}", timeout=10)
        assert page.status_code == 200
        html = page.text
        assert '<html lang="en"' in html
        assert "Armenia breaks up alleged Russian-inspired coup attempt" in html
        for label in ("Regions", "Support us", "Privacy Policy", "Caucasus", "Armenia"):
            assert label in html, label
        assert "September 19, 2024" in html
        assert f'<link rel="alternate" hreflang="en" href="{base}/en/{SLUG}">' in html
        assert f'<link rel="alternate" hreflang="x-default" href="{base}/{SLUG}">' in html
        assert 'hreflang="ru"' not in html and 'class="language-switcher"' not in html  # nothing to switch to
        assert "⟦" not in html  # drafts never reach readers

        assert page.headers["Content-Language"] == "en"
        assert "public" in page.headers["Cache-Control"] and "max-age=60" in page.headers["Cache-Control"]
        etag = page.headers["ETag"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
        assert parsedate_to_datetime(page.headers["Last-Modified"]).year >= 2024

        cached = requests.get(f"{base}/en/{SLUG}", headers={"If-None-Match": etag}, timeout=10)
        assert cached.status_code == 304 and cached.content == b""
        assert cached.headers["ETag"] == etag
        other = requests.get(f"{base}/en/{SLUG}", headers={"If-None-Match": '"something-else"'}, timeout=10)
        assert other.status_code == 200 and other.text == html


def test_translation_appears_only_once_published(committed: Any) -> None:
    from service.publishing import services as publishing

    translator, reviewer, editor = people()
    article = drafted_article()
    with live_server(committed) as base:
        assert requests.get(f"{base}/ru/{SLUG}", timeout=10).status_code == 404
        first = requests.get(f"{base}/en/{SLUG}", timeout=10)
        english_etag, english_date = first.headers["ETag"], first.headers["Last-Modified"]
        before = requests.get(f"{base}/{SLUG}", headers={"Accept-Language": "ru-RU,ru;q=0.9"},
                              allow_redirects=False, timeout=10)
        assert before.status_code == 302 and before.headers["Location"].endswith(f"/en/{SLUG}")
        assert "Accept-Language" in before.headers["Vary"]

        texts = translate(article, translator)
        approve(article, reviewer)
        # Approved is not published: readers still get nothing in Russian.
        assert requests.get(f"{base}/ru/{SLUG}", timeout=10).status_code == 404
        assert publishing.gate(article, "ru").passes
        time.sleep(1.1)  # HTTP dates have whole seconds: publish in a later one than the import
        snapshot = publishing.publish(article, "ru", user_id=editor.id)
        assert not snapshot.forced

        page = requests.get(f"{base}/ru/{SLUG}", timeout=10)
        assert page.status_code == 200
        html = page.text
        assert '<html lang="ru"' in html and page.headers["Content-Language"] == "ru"
        for segment in article.segments:
            assert plain(texts[segment.id]) in html, segment.position
        for label in ("Регионы", "Поддержите нас", "Политика конфиденциальности"):
            assert label in html, label
        for label in ("Regions", "Support us", "Privacy Policy", "September 19, 2024"):
            assert label not in html, label
        assert "19 сентября 2024 г." in html.replace("\u202f", " ")
        links = switcher(html)
        assert f'href="{base}/en/{SLUG}" hreflang="en" lang="en">English</a>' in links
        assert f'href="{base}/ru/{SLUG}" hreflang="ru" lang="ru" aria-current="page">русский</a>' in links
        assert f'<link rel="alternate" hreflang="ru" href="{base}/ru/{SLUG}">' in html

        # The English page now carries the switcher too, so its tag changed and old copies are stale.
        english = requests.get(f"{base}/en/{SLUG}", headers={"If-None-Match": english_etag}, timeout=10)
        assert english.status_code == 200 and english.headers["ETag"] != english_etag
        links = switcher(english.text)
        assert f'href="{base}/en/{SLUG}" hreflang="en" lang="en" aria-current="page">English</a>' in links
        assert f'href="{base}/ru/{SLUG}" hreflang="ru" lang="ru">русский</a>' in links
        assert f'<link rel="alternate" hreflang="ru" href="{base}/ru/{SLUG}">' in english.text
        # A cache that revalidates by date only must not keep the old page either.
        assert parsedate_to_datetime(english.headers["Last-Modified"]) > parsedate_to_datetime(english_date)
        by_date = requests.get(f"{base}/en/{SLUG}", headers={"If-Modified-Since": english_date}, timeout=10)
        assert by_date.status_code == 200 and switcher(by_date.text) == links
        current = {"If-None-Match": english.headers["ETag"], "If-Modified-Since": english.headers["Last-Modified"]}
        assert requests.get(f"{base}/en/{SLUG}", headers=current, timeout=10).status_code == 304

        for header, expected in (("ru", "ru"), ("ru-RU,ru;q=0.9,en;q=0.5", "ru"), ("en-US,en;q=0.9", "en"),
                                 ("de", "en")):
            redirect = requests.get(f"{base}/{SLUG}", headers={"Accept-Language": header}, allow_redirects=False,
                                    timeout=10)
            assert redirect.status_code == 302, header
            assert redirect.headers["Location"].endswith(f"/{expected}/{SLUG}"), header
            assert "Accept-Language" in redirect.headers["Vary"]


def test_unknown_languages_and_articles_are_404(committed: Any) -> None:
    drafted_article()
    with live_server(committed) as base:
        for path in (f"/xx/{SLUG}", f"/ru/{SLUG}", f"/kk/{SLUG}", "/ru/no-such-article", "/en/no-such-article",
                     "/no-such-article"):
            response = requests.get(base + path, headers={"Accept-Language": "ru"}, allow_redirects=False, timeout=10)
            assert response.status_code == 404, path
            assert "ETag" not in response.headers and "Location" not in response.headers, path


def test_publish_gate_and_forced_publish(committed: Any) -> None:
    from sqlalchemy import select

    from service.errors import Conflict, InvalidInput
    from service.extensions import db
    from service.history import Event
    from service.publishing import services as publishing

    translator, reviewer, editor = people()
    article = drafted_article()
    total = len(article.segments)

    with pytest.raises(InvalidInput, match="'en' is the source language"):
        publishing.publish(article, "en", user_id=editor.id)

    # Segment 10 approved, segment 11 translated only; the rest are pseudo drafts.
    texts = translate(article, translator, {9, 10})
    approve(article, reviewer, {9})
    by_position = {s.position: s for s in article.segments}
    approved, translated = texts[by_position[9].id], texts[by_position[10].id]
    blockers = [f"{total - 1} of {total} segments are not approved"]
    assert publishing.gate(article, "ru").blockers == blockers
    with pytest.raises(Conflict, match=f"cannot publish: {total - 1} of {total} segments are not approved"):
        publishing.publish(article, "ru", user_id=editor.id)
    with pytest.raises(InvalidInput, match="needs a reason"):
        publishing.publish(article, "ru", user_id=editor.id, force=True, reason="  ")

    with live_server(committed) as base:
        desk = Browser(base)
        desk.login("editor@example.org")
        detail = desk.get(f"/articles/{article.id}").text
        assert "Publishing is blocked:" in detail and f"<li>{blockers[0]}</li>" in detail
        assert requests.get(f"{base}/ru/{SLUG}", timeout=10).status_code == 404

        snapshot = publishing.publish(article, "ru", user_id=editor.id, force=True, reason="Breaking news")
        assert snapshot.forced and snapshot.reason == "Breaking news"
        event = db.session.scalar(select(Event).filter_by(article_id=article.id, action="force_publish"))
        assert event.user_id == editor.id and event.data["reason"] == "Breaking news"
        assert event.data["blockers"] == blockers

        page = requests.get(f"{base}/ru/{SLUG}", timeout=10)
        assert page.status_code == 200
        html = page.text
        assert plain(approved) in html and plain(translated) in html
        assert "⟦" not in html  # no machine draft reaches readers, even forced
        for source in ("Recruits were supposedly being sent to a training camp in Russia.",
                       "Azerbaijan flatly rejected the Armenia idea.",
                       "Armenia breaks up alleged Russian-inspired coup attempt"):
            assert source in html, source
        assert "Регионы" in html  # the chrome is Russian even where the text fell back

        # The article page marks Russian as published and links to it.
        detail = desk.get(f"/articles/{article.id}").text
        assert '<span class="badge state-approved">published</span>' in detail
        assert f'<a href="/ru/{SLUG}">Read the published version</a>' in detail


def test_dashboard_progress_and_publish_button_by_role(committed: Any) -> None:
    translator, reviewer, _editor = people()
    article = drafted_article(("ru", "kk"))
    total = len(article.segments)
    translate(article, translator, {9, 10, 11})
    approve(article, reviewer, {9, 10})
    publish_action = f'action="/articles/{article.id}/languages/ru/publish"'
    with live_server(committed) as base:
        desk = Browser(base)
        desk.login("editor@example.org")
        dashboard = desk.get("/").text
        assert article.title in dashboard and f'href="/articles/{article.id}"' in dashboard
        row = re.search(rf'<a href="/articles/{article.id}">.*?</tr>', dashboard, re.S)
        assert row
        cells = row.group(0)
        assert f"<td>{total}</td>" in cells
        langs = dict(re.findall(rf'<div class="lang-progress">\s*<a href="/review/{article.id}/(\w+)">\1</a>'
                                r'(.*?)(?=<div class="lang-progress">|</td>)', cells, re.S))
        assert sorted(langs) == ["kk", "ru"]
        assert f"2/{total} approved" in langs["ru"] and f"0/{total} approved" in langs["kk"]
        assert 'title="approved: 2"' in langs["ru"] and 'title="translated: 1"' in langs["ru"]
        assert f'title="draft: {total - 3}"' in langs["ru"] and f'title="draft: {total}"' in langs["kk"]
        assert "approved:" not in langs["kk"]

        detail = desk.get(f"/articles/{article.id}").text
        assert publish_action in detail and "Publish русский" in detail

        staff = Browser(base)
        staff.login("translator@example.org")
        assert f"2/{total} approved" in staff.get("/").text
        detail = staff.get(f"/articles/{article.id}").text
        assert publish_action not in detail and "Publish русский" not in detail
        assert "Publishing is blocked" not in detail
        assert f'href="/review/{article.id}/ru"' in detail and f'href="/review/{article.id}/kk"' not in detail


# --- Sitemap, feeds, the localized 404 and hreflang reciprocity (en, ru, fa published) ---

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def published_everywhere() -> Any:
    from tests.integration.test_publishing import publish_languages

    return publish_languages(("ru", "fa"))


def test_sitemap_lists_every_version_with_reciprocal_alternates(committed: Any) -> None:
    from lxml import etree

    published_everywhere()
    drafted_article_two = import_sample(slug="second-article", languages=["ru"])  # ru not published
    with live_server(committed) as base:
        response = requests.get(f"{base}/sitemap.xml", timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/xml")
        root = etree.fromstring(response.content)
    pages = {u.findtext("s:loc", namespaces=SITEMAP_NS): u for u in root.findall("s:url", SITEMAP_NS)}
    expected = {f"{base}/{lang}/{SLUG}" for lang in ("en", "ru", "fa")} | {f"{base}/en/{drafted_article_two.slug}"}
    assert set(pages) == expected
    alternates = {loc: {link.get("hreflang"): link.get("href") for link in url.findall("x:link", SITEMAP_NS)}
                  for loc, url in pages.items()}
    for loc, links in alternates.items():
        assert links[loc.split("/")[3]] == loc  # each page lists itself
        assert links["x-default"] == f"{base}/{loc.split('/')[4]}"
        for lang, href in links.items():
            if lang != "x-default":
                assert alternates[href][lang] == href and loc in alternates[href].values()  # reciprocal
    assert set(alternates[f"{base}/fa/{SLUG}"]) == {"en", "ru", "fa", "x-default"}
    assert set(alternates[f"{base}/en/second-article"]) == {"en", "x-default"}
    assert all(u.findtext("s:lastmod", namespaces=SITEMAP_NS) for u in pages.values())


def test_atom_feed_per_language(committed: Any) -> None:
    from lxml import etree

    published_everywhere()
    import_sample(slug="second-article", languages=["ru"])
    with live_server(committed) as base:
        feeds = {}
        for lang in ("en", "ru", "fa", "kk"):
            response = requests.get(f"{base}/{lang}/feed.xml", timeout=10)
            assert response.status_code == 200, lang
            assert response.headers["Content-Type"].startswith("application/atom+xml")
            feeds[lang] = etree.fromstring(response.content)
        assert requests.get(f"{base}/de/feed.xml", timeout=10).status_code == 404  # not a site language
        page = requests.get(f"{base}/ru/{SLUG}", timeout=10).text
        assert f'<link rel="alternate" type="application/atom+xml" href="{base}/ru/feed.xml">' in page

    def links(feed: Any) -> list[str]:
        return [e.find("a:link", ATOM).get("href") for e in feed.findall("a:entry", ATOM)]

    assert sorted(links(feeds["en"])) == sorted([f"{base}/en/{SLUG}", f"{base}/en/second-article"])
    assert links(feeds["ru"]) == [f"{base}/ru/{SLUG}"]
    assert links(feeds["fa"]) == [f"{base}/fa/{SLUG}"]
    assert links(feeds["kk"]) == []
    ru = feeds["ru"]
    assert ru.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    assert ru.findtext("a:title", namespaces=ATOM) == "Eurasianet: последние статьи"
    assert ru.findtext("a:id", namespaces=ATOM) == f"{base}/ru/feed.xml"
    assert ru.findtext("a:author/a:name", namespaces=ATOM) and ru.findtext("a:updated", namespaces=ATOM)
    entry = ru.find("a:entry", ATOM)
    assert entry.findtext("a:title", namespaces=ATOM).startswith("Перевод сегмента")
    assert entry.findtext("a:id", namespaces=ATOM) == f"{base}/ru/{SLUG}"
    assert "Перевод сегмента" in entry.findtext("a:content", namespaces=ATOM)
    assert entry.findtext("a:published", namespaces=ATOM).startswith("2024-09-1")
    assert feeds["fa"].findtext("a:title", namespaces=ATOM) == "Eurasianet: تازه‌ترین مقاله‌ها"


def test_reader_404_is_localized_inside_the_site_layout(committed: Any) -> None:
    drafted_article()
    with live_server(committed) as base:
        page = requests.get(f"{base}/ru/no-such-slug", timeout=10)
        assert page.status_code == 404 and page.headers["Content-Language"] == "ru"
        html = page.text
        assert '<html lang="ru" dir="ltr">' in html and "<h1" in html
        assert "Страница не найдена" in html and "Регионы" in html and "Политика конфиденциальности" in html
        assert "Page not found" not in html and "Regions" not in html
        persian = requests.get(f"{base}/fa/{SLUG}", timeout=10)  # not published in Persian
        assert persian.status_code == 404 and '<html lang="fa" dir="rtl">' in persian.text
        assert "صفحه پیدا نشد" in persian.text
        # No language in the URL: the browser's, among the site's languages.
        kazakh = requests.get(f"{base}/no-such-slug", headers={"Accept-Language": "kk-KZ,ru;q=0.5"}, timeout=10)
        assert kazakh.status_code == 404 and "Бет табылмады" in kazakh.text
        english = requests.get(f"{base}/xx/{SLUG}", headers={"Accept-Language": "de"}, timeout=10)
        assert english.status_code == 404 and "Page not found" in english.text
        # Staff and API 404s are unchanged.
        api = requests.get(f"{base}/api/articles/999999", headers={"Accept-Language": "ru"}, timeout=10)
        assert api.status_code in {401, 404} and "Страница не найдена" not in api.text
        staff = requests.get(f"{base}/articles/999999/nothing/here", timeout=10)
        assert staff.status_code == 404 and "Страница не найдена" not in staff.text and "site-header" not in staff.text


def test_crawled_hreflang_links_are_reciprocal(committed: Any) -> None:
    """Start at the English page, follow every hreflang link, and check each page names all the others."""
    from lxml import html as lxml_html

    published_everywhere()
    with live_server(committed) as base:
        seen: dict[str, dict[str, str]] = {}
        queue = [f"{base}/en/{SLUG}"]
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            response = requests.get(url, timeout=10)
            assert response.status_code == 200, url
            doc = lxml_html.fromstring(response.content)
            links = {el.get("hreflang"): el.get("href") for el in doc.xpath('//head/link[@rel="alternate"][@hreflang]')}
            assert doc.xpath("//head/link[@rel='canonical']/@href") == [url]
            lang = url.split("/")[3]
            assert doc.get("lang") == lang and links[lang] == url
            og = doc.xpath("//meta[@property='og:locale']/@content")
            assert og == [{"en": "en_US", "ru": "ru_RU", "fa": "fa_IR"}[lang]]
            assert len(doc.xpath("//meta[@property='og:locale:alternate']")) == 2
            seen[url] = links
            queue.extend(href for code, href in links.items() if code != "x-default")
    assert sorted(seen) == sorted(f"{base}/{lang}/{SLUG}" for lang in ("en", "ru", "fa"))
    for url, links in seen.items():
        assert set(links) == {"en", "ru", "fa", "x-default"}, url
        assert links["x-default"] == f"{base}/{SLUG}"
        for lang, href in links.items():
            if lang != "x-default":
                assert seen[href] == links, (url, href)  # every page names the same set: reciprocal


def test_reader_responses_carry_server_timing(committed: Any) -> None:
    drafted_article()
    with live_server(committed) as base:
        for path, status in ((f"/en/{SLUG}", 200), (f"/en/{SLUG}", 200), (f"/ru/{SLUG}", 404)):
            page = requests.get(f"{base}{path}", timeout=10)
            assert page.status_code == status, path
            assert re.fullmatch(r"app;dur=\d+\.\d\d", page.headers["Server-Timing"]), path


def test_a_publish_elsewhere_reaches_readers_within_the_stamp_ttl(committed: Any) -> None:
    """Each web process re-reads what is live at most every READER_STAMP_TTL seconds; a publish made in the
    process itself is seen at once. Another process (here the CLI) unpublishing is seen after the TTL."""
    from service.publishing import services as publishing
    from tests.conftest import run_cli

    article = drafted_article()
    ttl = committed.config["TRANSDESK_READER_STAMP_TTL"]
    committed.config["TRANSDESK_READER_STAMP_TTL"] = 3600.0
    try:
        with live_server(committed) as base:
            assert requests.get(f"{base}/en/{SLUG}", timeout=10).status_code == 200
            result = run_cli("unpublish", SLUG, "en")
            assert result.returncode == 0, result.stderr
            # Within the TTL this process still serves what it last knew to be live ...
            assert requests.get(f"{base}/en/{SLUG}", timeout=10).status_code == 200
            # ... and once the TTL is over it reads the database again.
            committed.config["TRANSDESK_READER_STAMP_TTL"] = 0.0
            assert requests.get(f"{base}/en/{SLUG}", timeout=10).status_code == 404
            committed.config["TRANSDESK_READER_STAMP_TTL"] = 3600.0
            # Changes committed in this process drop its read at once, whatever the TTL: the page cached
            # after this publish is not served once the same process has unpublished it.
            publishing.publish(article, "en")
            page = requests.get(f"{base}/en/{SLUG}", timeout=10)
            assert page.status_code == 200 and "Armenia" in page.text
            publishing.unpublish(article, "en")
            assert requests.get(f"{base}/en/{SLUG}", timeout=10).status_code == 404
    finally:
        committed.config["TRANSDESK_READER_STAMP_TTL"] = ttl
