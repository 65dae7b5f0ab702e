from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from service.articles import ingest
from service.articles.inline import html_to_tagged, tagged_to_html
from service.errors import ImportFailed, TooLarge

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLE = FIXTURES / "eurasianet-armenia-coup.html"


@pytest.fixture(scope="module")
def article():
    return ingest.parse_source(SAMPLE.read_bytes(), filename=SAMPLE.name)


def test_sample_block_list(article):
    kinds = [b.kind for b in article.blocks]
    assert kinds == ["tag"] * 4 + ["title", "dek", "byline", "caption"] + ["paragraph"] * 10 + ["newsletter"]
    tags = [b for b in article.blocks if b.kind == "tag"]
    assert [b.html for b in tags] == ["Armenia", "Azerbaijan", "Caucasus", "Russia"]
    assert [b.path for b in tags] == ["tags/0", "tags/1", "tags/2", "tags/3"]
    assert tags[0].meta == {"href": "/region/armenia"}
    paths = [b.path for b in article.blocks]
    assert paths[4:8] == ["title", "dek", "byline/author/0", "figure/0/caption"]
    assert paths[8:] == [f"body/p[{i}]" for i in range(10)] + ["newsletter/p[0]"]
    assert len(set(paths)) == len(paths)


def test_sample_metadata(article):
    assert article.title == "Armenia breaks up alleged Russian-inspired coup attempt"
    assert article.dek == "Armenian-Azerbaijani peace process hits another snag."
    assert article.authors == ["Ani Avetisyan"]
    assert article.published_at == datetime(2024, 9, 19, 10, 12, tzinfo=timezone(timedelta(hours=-4)))
    assert article.lang == "en"
    assert (
        article.canonical_url
        == "https://eurasianet.org/armenia-breaks-up-alleged-russian-inspired-coup-attempt"
    )


def test_sample_caption_and_byline(article):
    caption = next(b for b in article.blocks if b.kind == "caption")
    assert caption.meta["src"].endswith("pashinyan-press-conference.jpg")
    assert caption.meta["alt"].startswith("Armenian Prime Minister Nikol Pashinyan")
    assert caption.html.endswith('(Photo: <a href="https://www.primeminister.am/">primeminister.am</a>)')
    byline = next(b for b in article.blocks if b.kind == "byline")
    assert "Ani Avetisyan" in byline.html and "Sep 19" not in byline.html


def test_no_chrome(article):
    everything = "\n".join(b.html for b in article.blocks)
    for junk in [
        "Skip to main content",
        "Main Menu",
        "Kazakhstan",
        "Tamada Tales",
        "Support us",
        "русский",
        "You can search using keywords",
        "Related",
        "Popular",
        "bromance",
        "USAID",
        "Irakli Machaidze",
        "Privacy Policy",
        "Eurasianet ©",
        "dataLayer",
        "querySelectorAll",
        "Close",
        "Sep 19, 2024",
    ]:
        assert junk not in everything, junk


def test_inline_markup_kept_as_placeholders(article):
    body = [b for b in article.blocks if b.kind == "paragraph"]
    assert "{1}recently announced{/1}" in html_to_tagged(body[0].html)[0]
    assert "<em>‘stop-start’</em>" in body[3].html
    assert "<strong>13 of 16 points</strong>" in body[4].html
    assert 'class="' not in "".join(b.html for b in article.blocks)


def test_whitespace_normalization_keeps_trailing_nbsp(article):
    body = [b for b in article.blocks if b.kind == "paragraph"]
    assert body[0].html.endswith("in the Caucasus.&nbsp;")
    assert body[4].html.endswith("agreement.&nbsp;&nbsp;")
    assert all(b.html == b.html.strip() and "  " not in b.html and "\n" not in b.html for b in article.blocks)


def test_every_block_round_trips_through_placeholders(article):
    for block in article.blocks:
        assert tagged_to_html(*html_to_tagged(block.html)) == block.html, block.path


def test_sanitizes_dangerous_markup():
    page = (
        "<html><body><article><h1>T</h1><p onclick='x()'>Hi <a href='javascript:alert(1)'>x</a>"
        "<img src=x onerror=y> <script>bad()</script><span class='c'>plain</span> <b style='c'>b</b></p>"
        "<p hidden>secret</p><div class='share-tools'><p>Share this</p></div></article></body></html>"
    )
    parsed = ingest.parse_html(page)
    body = [b.html for b in parsed.blocks if b.kind == "paragraph"]
    assert body == ["Hi x plain <b>b</b>"]


def test_base_url_makes_links_absolute():
    page = "<html><body><article><h1>T</h1><p>See <a href='/x'>this</a>.</p></article></body></html>"
    parsed = ingest.parse_html(page, base_url="https://example.org/news/1")
    assert parsed.blocks[-1].html == 'See <a href="https://example.org/x">this</a>.'


def test_fallbacks_without_article_element():
    page = """<html lang="de"><head><title>Fallback title | Site</title>
    <meta name="description" content="Desc here.">
    <script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-01-02T03:04:05Z",
     "author": [{"@type": "Person", "name": "Jo Doe"}]}</script></head>
    <body><header><p>Header text that is long enough to matter maybe</p></header>
    <div id="content"><p>First body paragraph with words.</p><p>Second one.</p></div>
    <footer><p>Footer text</p></footer></body></html>"""
    parsed = ingest.parse_html(page)
    assert parsed.title == "Fallback title"
    assert parsed.dek == "Desc here."
    assert parsed.authors == ["Jo Doe"]
    assert parsed.published_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parsed.lang == "de"
    assert [b.kind for b in parsed.blocks] == ["title", "dek", "byline", "paragraph", "paragraph"]


def test_lists_headings_quotes():
    page = (
        "<html><body><article><h1>T</h1><h2>Sub</h2><ul><li>one</li><li>two <em>b</em></li></ul>"
        "<blockquote><p>Quoted.</p></blockquote><p>&nbsp;</p></article></body></html>"
    )
    blocks = ingest.parse_html(page).blocks
    assert [(b.kind, b.path) for b in blocks] == [
        ("title", "title"),
        ("heading", "body/h2[0]"),
        ("list_item", "body/li[0]"),
        ("list_item", "body/li[1]"),
        ("quote", "body/quote[0]"),
    ]
    assert blocks[3].html == "two <em>b</em>"


def test_windows_1251_declared_charset():
    page = (
        '<html><head><meta charset="windows-1251"></head><body><article><h1>Заголовок</h1>'
        "<p>Привет, мир. Ещё одно предложение.</p></article></body></html>"
    )
    parsed = ingest.parse_source(page.encode("cp1251"), filename="ru.html")
    assert parsed.title == "Заголовок"
    assert parsed.blocks[-1].html == "Привет, мир. Ещё одно предложение."


def test_content_type_charset_and_bom():
    text = "Título\n\nCafé."
    assert (
        ingest.parse_source(text.encode("latin-1"), content_type="text/plain; charset=ISO-8859-1").title
        == "Título"
    )
    assert ingest.parse_source(text.encode("utf-16")).blocks[1].html == "Café."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the source is empty"),
        (b"  \n\t ", "the source is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not text"),
        (b"hello\x00world", "not text"),
        (bytes(range(0x80, 0x100)) * 50 + b"\x01\x02\x03" * 200, "not text"),  # no charset makes this text
        (bytes(range(1, 32)) * 300, "not text"),  # control characters are not text
        (
            b"<html><body><nav><p>menu</p></nav><div>nothing</div></body></html>",
            "no article found in the page",
        ),
    ],
)
def test_parse_source_errors(data, message):
    with pytest.raises(ImportFailed) as exc:
        ingest.parse_source(data, filename="x.html" if b"<html" in data else None)
    assert message in exc.value.message
    assert not isinstance(exc.value, TooLarge)


def test_parse_source_too_large():
    with pytest.raises(TooLarge):
        ingest.parse_source(b"x" * 101, max_bytes=100)


def test_sniffing_by_leading_markup():
    parsed = ingest.parse_source(
        b"  <!DOCTYPE html><html><body><article><h1>A</h1><p>B.</p></article></body></html>"
    )
    assert parsed.title == "A" and parsed.blocks[-1].kind == "paragraph"


def test_markdown_import():
    md = "# The title\n\nFirst para with [a link](https://x.test/a) and *emphasis*.\n\n- item one\n- item two"
    parsed = ingest.parse_source(md.encode(), filename="story.md")
    assert parsed.title == "The title"
    assert [b.kind for b in parsed.blocks] == ["title", "paragraph", "list_item", "list_item"]
    assert (
        parsed.blocks[1].html
        == 'First para with <a href="https://x.test/a">a link</a> and <em>emphasis</em>.'
    )


def test_text_import():
    parsed = ingest.parse_source(b"\n\nMy Title\n\nPara one\ncontinues {here} & <there>.\n\n\nPara two.\n")
    assert parsed.title == "My Title"
    assert [b.path for b in parsed.blocks] == ["title", "body/p[0]", "body/p[1]"]
    assert parsed.blocks[1].html == "Para one continues {here} &amp; &lt;there&gt;."
    assert tagged_to_html(*html_to_tagged(parsed.blocks[1].html)) == parsed.blocks[1].html


def test_read_source_file_errors(tmp_path):
    with pytest.raises(ImportFailed, match="cannot read"):
        ingest.read_source(str(tmp_path / "missing.html"))
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 11)
    with pytest.raises(TooLarge):
        ingest.read_source(str(big), max_bytes=10)
    assert ingest.read_source(str(big), max_bytes=11) == (b"x" * 11, str(big), None)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://10.0.0.1/x", "http://[::1]/", "http://169.254.169.254/"]
)
def test_read_source_refuses_private_hosts(url):
    with pytest.raises(ImportFailed, match="private or local"):
        ingest.read_source(url)


def test_http_equiv_charset_and_xml_declaration():
    page = (
        '<?xml version="1.0" encoding="windows-1251"?><html><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head>'
        "<body><main><h1>Новости</h1><p>Текст статьи.</p></main></body></html>"
    )
    parsed = ingest.parse_source(page.encode("cp1251"))
    assert parsed.title == "Новости"
    assert [b.html for b in parsed.blocks] == ["Новости", "Текст статьи."]


def test_markdown_without_heading_uses_first_paragraph_as_title():
    parsed = ingest.parse_markdown("Just a line.\n\nThen **body** text.")
    assert parsed.title == "Just a line."
    assert [(b.kind, b.html) for b in parsed.blocks] == [
        ("title", "Just a line."),
        ("paragraph", "Then <strong>body</strong> text."),
    ]


# --------------------------------------------------------------------------- metadata helpers


@pytest.mark.parametrize(("raw", "names"), [
    (["By Dana A. Ford, James S.A. Corey, Chien-Ming Wang, and Tom Watkins, CNN"],
     ["Dana A. Ford", "James S.A. Corey", "Chien-Ming Wang", "Tom Watkins"]),
    (["By: CNN Wire"], ["CNN Wire"]),
    (["Patricio Candia | Palma de Mallorca | 08/01/2014"], ["Patricio Candia"]),
    (["Joan\u00a0Biskupic", "joan biskupic", "https://x.test/joan", "@joan"], ["Joan Biskupic"]),
    (["Автор: Анна Иванова и Пётр Петров"], ["Анна Иванова", "Пётр Петров"]),
])  # fmt: skip
def test_clean_names(raw, names):
    assert ingest.clean_names(raw) == names


@pytest.mark.parametrize(("value", "expected"), [
    ("2013-12-30T14:42:01-0700", datetime(2013, 12, 30, 14, 42, 1, tzinfo=timezone(timedelta(hours=-7)))),
    ("2023-11-02T19:53:52.000Z", datetime(2023, 11, 2, 19, 53, 52, tzinfo=UTC)),
    ("2021-01-03T17:40:00EET", datetime(2021, 1, 3, 17, 40)),
    ("Mon, 06 Nov 2023 20:03:00 GMT", datetime(2023, 11, 6, 20, 3, tzinfo=UTC)),
    ("Saturday, December 27, 2014, 12:06 PM", datetime(2014, 12, 27, 12, 6)),
    ("yesterday", None),
    ("", None),
])  # fmt: skip
def test_parse_datetime(value, expected):
    assert ingest.parse_datetime(value) == expected


def test_json_ld_graph_and_relative_canonical():
    page = """<html><head><link rel="canonical" href="/a/1"><meta property="og:url" content="https://news.test/a/1?x">
    <script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"},
      {"@type": ["NewsArticle"], "headline": "Graph headline", "datePublished": "2024-05-01T08:00:00+03:00",
       "author": [{"@type": "Person", "name": "Ann Author"}, "Bob Writer"]}]}</script></head>
    <body><article><h1>Graph headline</h1><p>Body text that is long enough to be an article.</p></article></body>"""
    parsed = ingest.parse_html(page + "</html>")
    assert parsed.authors == ["Ann Author", "Bob Writer"]
    assert parsed.published_at == datetime(2024, 5, 1, 8, tzinfo=timezone(timedelta(hours=3)))
    assert parsed.canonical_url == "https://news.test/a/1"  # relative canonical, resolved against og:url
    assert ingest.parse_html(page + "</html>", base_url="https://mirror.test/p").canonical_url == (
        "https://mirror.test/a/1")
