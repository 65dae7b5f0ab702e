"""Bad input: the importer either returns an article or raises one of the documented import errors
(``service.errors.ImportFailed`` and its ``TooLarge``) with a clear message -- never anything else."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.articles import ingest
from service.articles.inline import html_to_tagged, tagged_to_html
from service.articles.segmentation import assemble_block, segment_block
from service.errors import ImportFailed, TooLarge

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = st.sampled_from([None, "page.html", "notes.md", "notes.txt", "https://example.org/a"])
TYPES = st.sampled_from([None, "text/html", "text/html; charset=koi8-r", "text/plain", "text/markdown",
                         "application/octet-stream", "text/html; charset=nonsense"])
TAGS = ["p", "div", "article", "main", "h1", "h2", "li", "ul", "table", "tr", "td", "a", "em", "b", "span",
        "code", "br", "img", "iframe", "figure", "figcaption", "blockquote", "script", "style", "nav", "time",
        "meta", "title", "head", "body", "html", "!--", "![CDATA[", "?xml"]
SOUP = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(TAGS).map(lambda t: f"<{t}>"),
        st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
        st.sampled_from(TAGS).map(lambda t: f'<{t} translate="no" lang="x" href="javascript:1" src=\'//a\'>'),
        st.sampled_from(["&amp;", "&nbsp;", "&#0;", "&#xD800;", "&bogus;", "{1}", "{/1}", "{{", "\u200b", "\u202e"]),
    ),
    max_size=60,
).map("".join)


def check(data: bytes, **kwargs) -> None:
    try:
        parsed = ingest.parse_source(data, **kwargs)
    except ImportFailed as exc:
        assert exc.message and "\n" not in exc.message
        return
    assert parsed.blocks
    for block in parsed.blocks:
        assert tagged_to_html(*html_to_tagged(block.html)) == block.html
        segmented = segment_block(block.html, "en")
        assert assemble_block(segmented.gaps, [(d.source, d.tags) for d in segmented.segments]) == block.html


@FUZZ
@given(st.binary(max_size=2000), NAMES, TYPES)
def test_any_bytes(data, filename, content_type):
    check(data, filename=filename, content_type=content_type)


@FUZZ
@given(SOUP, NAMES, TYPES)
def test_tag_soup(text, filename, content_type):
    check(text.encode("utf-8", "surrogatepass"), filename=filename, content_type=content_type)


@FUZZ
@given(SOUP, st.sampled_from(["utf-8", "utf-16", "cp1251", "latin-1"]))
def test_tag_soup_in_other_encodings(text, encoding):
    check(text.encode(encoding, "replace"), filename="page.html")


# --------------------------------------------------------------------------- named cases

ARTICLE = "<html><body><article><h1>Title</h1>{}</article></body></html>"


def test_malformed_html_is_repaired_not_refused():
    page = ("<html><body><article><h1>Broken <b>title</h1><p>One <em>open <a href='/x'>link"
            "<p>Two</div></span> paragraphs</td><p>Three &bogus; &amp &lt;tag&gt;</article>")
    parsed = ingest.parse_html(page)
    assert parsed.title == "Broken title"
    text = " ".join(b.html for b in parsed.blocks if b.kind == "paragraph")
    # Unclosed elements close where the parser decides; no word is lost and entities come out escaped once.
    assert [w for w in ("One", "open", "link", "Two", "paragraphs", "Three") if w in text] == [
        "One", "open", "link", "Two", "paragraphs", "Three"]
    assert text.index("Three") > text.index("Two") > text.index("One")
    assert "Three &amp;bogus; &amp; &lt;tag&gt;" in text


def test_nesting_up_to_the_limit_is_imported():
    depth = ingest.MAX_DEPTH - 10
    page = ARTICLE.format("<div>" * depth + "<p>Deep paragraph, a real sentence.</p>" + "</div>" * depth)
    assert [b.html for b in ingest.parse_html(page).blocks][-1] == "Deep paragraph, a real sentence."


@pytest.mark.parametrize("depth", [300, 20_000])
def test_nesting_beyond_the_limit_is_one_clear_error(depth):
    page = ARTICLE.format("<div>" * depth + "<p>Too deep.</p>" + "</div>" * depth)
    with pytest.raises(ImportFailed, match="nested too deeply"):
        ingest.parse_source(page.encode(), filename="deep.html")


def test_a_10_mb_paragraph():
    sentence = "Word and more words, said the man in the street. "
    paragraph = sentence * (10 * 1024 * 1024 // len(sentence) + 1)
    data = ARTICLE.format(f"<p>{paragraph}</p>").encode()
    assert len(data) > 10 * 1024 * 1024
    with pytest.raises(TooLarge, match="larger than"):
        ingest.parse_source(data, filename="big.html")  # the default limit refuses it, before parsing
    parsed = ingest.parse_source(data, filename="big.html", max_bytes=11 * 1024 * 1024)
    body = [b.html for b in parsed.blocks if b.kind == "paragraph"]
    assert len(body) == 1 and len(body[0]) == len(paragraph.strip())  # whole, not truncated by the parser


def test_zero_width_bidi_and_mixed_scripts_are_kept():
    text = "Zero\u200bwidth, \u200fRTL mark, \u202eoverride\u202c, עברית and English, Русский 中文 😀 mixed."
    parsed = ingest.parse_html(ARTICLE.format(f"<p>{text}</p>"))
    assert [b.html for b in parsed.blocks if b.kind == "paragraph"] == [text]


@pytest.mark.parametrize("page", [
    "<html><body></body></html>",
    "<html><body><nav><a href='/'>Home</a></nav><footer><p>© Site, all rights reserved, and more.</p></footer>",
    "<html><body><script>var a = 'a long script that is not text at all, with commas';</script></body></html>",
    "<html><body><div>ok</div></body></html>",
    "<!-- only a comment -->",
])  # fmt: skip
def test_a_page_without_an_article_is_one_clear_error(page):
    with pytest.raises(ImportFailed, match="no article found|empty"):
        ingest.parse_source(page.encode(), filename="page.html")
