"""Reader pages and the other articles: body links follow the page's language, Related and Popular boxes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import fake_translation, import_sample, make_user

pytestmark = [pytest.mark.integration]

SITE = "https://eurasianet.org"


def page_html(title: str, *paragraphs: str) -> bytes:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head><title>{title}</title>'
            f'<link rel="canonical" href="{SITE}/{slug}"></head>'
            f"<body><article><h1>{title}</h1>{body}</article></body></html>").encode()


def import_page(title: str, *paragraphs: str, langs: tuple[str, ...] = ("ru",)) -> Any:
    from service.articles import ingest, services
    from service.translation.pipeline import translate_batch

    parsed = ingest.parse_source(page_html(title, *paragraphs), filename="page.html")
    article = services.create_article(parsed, services.ImportRequest(languages=list(langs)))
    for lang in langs:
        translate_batch(article.id, lang, [s.id for s in article.segments])
    return article


def people() -> tuple[Any, Any, Any]:
    return (make_user("translator@example.org", "translator", "ru"),
            make_user("reviewer@example.org", "reviewer", "ru"), make_user("editor@example.org", "editor"))


def publish_ru(article: Any, staff: tuple[Any, Any, Any], tag: str) -> None:
    """A person's Russian text (marked with ``tag``) for every segment, approved and published."""
    from service.publishing import services as publishing
    from service.review import services

    translator, reviewer, editor = staff
    for segment in article.segments:
        row = services.get_translation(article.id, "ru", segment.id)
        text = fake_translation(segment.source, segment.position + 1).replace("Перевод сегмента", f"Перевод {tag}")
        services.save(row, translator, text=text, base_version=row.version)
        services.approve(row, reviewer, base_version=row.version)
    publishing.publish(article, "ru", user_id=editor.id)


def hrefs(html: str) -> list[str]:
    match = re.search(r'<div class="article__body">(.*?)</div>', html, re.S)
    assert match, "no article body"
    return re.findall(r'href="([^"]*)"', match.group(1))


def box(html: str, name: str) -> list[tuple[str, str]]:
    match = re.search(rf'<aside class="article-list article-list--{name}".*?</aside>', html, re.S)
    if not match:
        return []
    return re.findall(r'<li><a href="([^"]*)">([^<]*)</a></li>', match.group(0))


def test_body_links_point_at_the_published_language_version(app: Any, db: Any) -> None:
    from service.publishing import services as publishing

    staff = people()
    beta = import_page("Beta story", "The beta story begins here.", "It goes on for a while.")
    alpha = import_page(
        "Alpha story", "The alpha story begins here.",
        f'Read <a href="{SITE}/beta-story">the beta story</a> first.',
        'Also see <a href="/beta-story#more">its second part</a>.',
        'Not ours: <a href="https://example.com/beta-story">a namesake</a>.',
    )
    assert beta.slug == "beta-story" and beta.canonical_url == f"{SITE}/beta-story"
    client = app.test_client()
    external = "https://example.com/beta-story"

    # Both are live in English (the source) from the import: the English page links the English version.
    english = client.get(f"/en/{alpha.slug}")
    assert english.status_code == 200
    assert hrefs(english.get_data(as_text=True)) == ["/en/beta-story", "/en/beta-story#more", external]

    # Only the alpha story is in Russian: its links stay as they were.
    publish_ru(alpha, staff, "альфа")
    russian = client.get(f"/ru/{alpha.slug}").get_data(as_text=True)
    assert hrefs(russian) == [f"{SITE}/beta-story", "/beta-story#more", external]
    etag = client.get(f"/ru/{alpha.slug}").headers["ETag"]

    # Once the beta story is published in Russian, they point at the Russian version.
    publish_ru(beta, staff, "бета")
    page = client.get(f"/ru/{alpha.slug}", headers={"If-None-Match": etag})
    assert page.status_code == 200 and page.headers["ETag"] != etag  # the old copy is stale
    assert hrefs(page.get_data(as_text=True)) == ["/ru/beta-story", "/ru/beta-story#more", external]
    # ... at render time only: the immutable snapshot keeps the source's link.
    snapshot = publishing.language_version(alpha, "ru").snapshot
    assert snapshot is not None
    assert f'href="{SITE}/beta-story"' in snapshot.body_html and "/ru/beta-story" not in snapshot.body_html

    # Unpublished again: the original link is back.
    publishing.unpublish(beta, "ru")
    assert hrefs(client.get(f"/ru/{alpha.slug}").get_data(as_text=True)) == [
        f"{SITE}/beta-story", "/beta-story#more", external]


def test_related_and_popular_list_articles_published_in_the_language(app: Any, db: Any) -> None:
    staff = people()
    sample = import_sample(languages=["ru"])
    from service.translation.pipeline import translate_batch

    translate_batch(sample.id, "ru", [s.id for s in sample.segments])
    older = import_page("Older story", "An older story of 2023.")
    newer = import_page("Newer story", "A newer story of 2024.")
    import_page("English only", "Only in English.")
    client = app.test_client()

    # English: everything else is live in its source language, newest import first.
    html = client.get(f"/en/{sample.slug}").get_data(as_text=True)
    assert "<h2 id=\"related-title\">Related</h2>" in html and "<h2 id=\"popular-title\">Popular</h2>" in html
    assert box(html, "related") == [("/en/english-only", "English only"), ("/en/newer-story", "Newer story"),
                                    ("/en/older-story", "Older story")]

    publish_ru(sample, staff, "образца")
    publish_ru(older, staff, "старой")
    publish_ru(newer, staff, "новой")
    ru = client.get(f"/ru/{sample.slug}").get_data(as_text=True)
    # Russian titles from the Russian snapshots; the English-only article is left out.
    assert box(ru, "related") == [("/ru/newer-story", "Перевод новой 1."), ("/ru/older-story", "Перевод старой 1.")]
    assert "Читайте также" in ru and "Популярное" in ru and "Related" not in ru
    # Popular: most languages first (all three are in en and ru here), then newest.
    assert box(ru, "popular") == box(ru, "related")
    english = client.get(f"/en/{sample.slug}").get_data(as_text=True)
    assert [href for href, _title in box(english, "related")] == [
        "/en/english-only", "/en/newer-story", "/en/older-story"]
    assert [href for href, _title in box(english, "popular")] == [
        "/en/newer-story", "/en/older-story", "/en/english-only"]

    # At most five, and an article alone in its language gets no boxes.
    for n in range(5):
        import_page(f"Filler {n}", f"Filler number {n}.", langs=())
    assert len(box(client.get(f"/en/{sample.slug}").get_data(as_text=True), "related")) == 5
    from service.publishing import services as publishing

    publishing.unpublish(older, "ru")
    publishing.unpublish(newer, "ru")
    alone = client.get(f"/ru/{sample.slug}").get_data(as_text=True)
    assert box(alone, "related") == [] and "article-list" not in alone


def test_reader_pages_report_server_time(app: Any, db: Any) -> None:
    sample = import_sample()
    response = app.test_client().get(f"/en/{sample.slug}")
    assert response.status_code == 200
    assert re.fullmatch(r"app;dur=\d+\.\d\d", response.headers["Server-Timing"])
