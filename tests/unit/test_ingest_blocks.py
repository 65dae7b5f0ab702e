"""Body blocks: what becomes translatable, what is kept as it is (embeds, media, protected spans), and how
assembly puts everything back, on the database."""

from __future__ import annotations

from typing import Any

import lxml.html

from service.articles import ingest
from service.articles.inline import html_to_tagged, tagged_to_html

PAGE = """<!doctype html><html lang="en"><head><title>Blocks | Site</title></head><body>
<nav><a href="/">Home</a></nav>
<article>
  <h1>Every kind of block</h1>
  <p>The first paragraph has <a href="https://example.org/a">a link</a> and enough words to be the body.</p>
  <h2>A subheading</h2>
  <ul><li>First item, with a comma.</li><li>Second item.</li></ul>
  <blockquote><p>A quoted sentence from someone important.</p></blockquote>
  <figure><img src="/img/lead.jpg" alt="A harbour at dawn" title="Photo title text">
    <figcaption>Boats leave the harbour. (Photo: Agency)</figcaption></figure>
  <p>Run <code>pip install x</code> before you start, said <span translate="no">Le Monde</span>.</p>
  <p translate="no">Kept whole: a motto nobody translates.</p>
  <table><caption>Results</caption>
    <tr><th>Party</th><th>Seats</th></tr>
    <tr><td>Blue</td><td>12</td></tr>
  </table>
  <iframe src="https://www.youtube.com/embed/abc" width="560" height="315" title="A video"></iframe>
  <iframe src="https://tracker.example/pixel" width="1" height="1"></iframe>
  <video src="https://cdn.example/clip.mp4" poster="https://cdn.example/clip.jpg"></video>
  <audio><source src="https://cdn.example/talk.mp3"></audio>
  <blockquote class="twitter-tweet"><p>Tweet text here</p>&mdash; Someone
    <a href="https://twitter.com/someone/status/1">June 1, 2024</a></blockquote>
  <p><img src="/img/chart.png" alt="Chart of seats by party"></p>
  <p>The last paragraph closes the article with a full sentence.</p>
</article>
<footer><p>Site footer text that is long enough, with commas, and more commas, to look like text.</p></footer>
</body></html>"""


def _parsed() -> ingest.ParsedArticle:
    return ingest.parse_html(PAGE)


def test_block_kinds_in_reading_order():
    blocks = _parsed().blocks
    kinds = [b.kind for b in blocks]
    assert kinds == [
        "title", "paragraph", "heading", "list_item", "list_item", "quote",
        "caption", "image_alt", "image_title", "paragraph", "paragraph",
        "table_cell", "table_cell", "table_cell", "table_cell", "table_cell",
        "embed", "embed", "embed", "embed", "image_alt", "paragraph",
    ]  # fmt: skip
    assert len({b.path for b in blocks}) == len(blocks)
    assert "Site footer" not in " ".join(b.html for b in blocks)


def test_figure_alt_and_title_are_translatable_blocks():
    blocks = {b.path: b for b in _parsed().blocks}
    assert blocks["figure/0/caption"].html == "Boats leave the harbour. (Photo: Agency)"
    assert blocks["figure/0/alt"].html == "A harbour at dawn"
    assert blocks["figure/0/title"].html == "Photo title text"
    assert blocks["figure/0/caption"].meta["src"] == "/img/lead.jpg"
    assert blocks["figure/1/alt"].html == "Chart of seats by party"  # a lone image in a paragraph


def test_table_cells_know_their_place():
    cells = [b for b in _parsed().blocks if b.kind == "table_cell"]
    assert [(b.html, b.meta.get("row"), b.meta.get("col"), b.meta.get("header")) for b in cells] == [
        ("Party", 0, 0, True), ("Seats", 0, 1, True), ("Blue", 1, 0, False), ("12", 1, 1, False),
        ("Results", None, None, None),
    ]  # fmt: skip


def test_embeds_and_media_are_kept_without_text():
    embeds = [b for b in _parsed().blocks if b.kind == "embed"]
    assert all(b.html == "" for b in embeds)
    assert [b.meta["tag"] for b in embeds] == ["iframe", "video", "audio", "social"]
    assert embeds[0].meta == {"tag": "iframe", "src": "https://www.youtube.com/embed/abc", "title": "A video",
                              "width": "560", "height": "315"}
    assert embeds[1].meta["poster"] == "https://cdn.example/clip.jpg"
    assert embeds[2].meta["src"] == "https://cdn.example/talk.mp3"
    assert embeds[3].meta["src"] == "https://twitter.com/someone/status/1"
    assert embeds[3].meta["provider"] == "twitter-tweet"
    assert "pixel" not in str([b.meta for b in embeds])  # a 1-pixel tracking frame is not media


def test_code_and_translate_no_are_protected_placeholders():
    blocks = [b for b in _parsed().blocks if b.kind == "paragraph"]
    tagged, tags = html_to_tagged(blocks[1].html)
    assert tagged == "Run {1/} before you start, said {2/}."
    assert tags["1"]["name"] == "code" and "pip install x" not in tagged
    assert tagged_to_html(tagged, tags) == blocks[1].html
    assert 'Run <code>pip install x</code> before' in blocks[1].html
    assert '<span translate="no">Le Monde</span>' in blocks[1].html
    # translate="no" on a whole paragraph: kept, with nothing in it to translate.
    whole, _ = html_to_tagged(blocks[2].html)
    assert whole == "{1/}"


def test_protected_content_cannot_be_changed_by_the_translation():
    from service.articles.segmentation import segment_block

    html = _parsed().blocks[9].html
    segmented = segment_block(html, "en")
    assert len(segmented.segments) == 1
    draft = segmented.segments[0]
    # A translator may move the placeholders but only has the placeholders to move.
    target = "Перед началом выполните {1/}, сказала {2/}."
    rebuilt = tagged_to_html(target, draft.tags)
    assert rebuilt == (
        'Перед началом выполните <code>pip install x</code>, сказала <span translate="no">Le Monde</span>.'
    )


def test_a_protected_span_at_a_sentence_edge_survives_in_the_gaps():
    from service.articles.segmentation import assemble_block, segment_block

    html = ingest.normalize_inline("<code>make</code> builds it. Then <code>make test</code> runs.")
    segmented = segment_block(html, "en")
    pairs = [(d.source, d.tags) for d in segmented.segments]
    assert assemble_block(segmented.gaps, pairs) == html


def _import(db: Any) -> Any:
    from service.articles import services

    return services.create_article(_parsed(), services.ImportRequest(languages=["ru"], slug="blocks-page"))


def test_assembly_restores_figures_tables_and_embeds(db: Any) -> None:
    from service.articles.assembly import assemble, block_html

    article = _import(db)
    for block in article.blocks:
        assert block_html(block, {}) == block.html, block.path
    kinds = {b.kind: b for b in article.blocks}
    assert not kinds["embed"].segments and kinds["table_cell"].segments
    parts = assemble(article, "en", {})
    assert parts["figure"] is None  # the figure follows body text: it stays in its place in the body
    body = parts["body_blocks"]
    by_kind = [b["kind"] for b in body]
    assert by_kind == ["paragraph", "heading", "list_item", "list_item", "quote", "figure", "paragraph", "paragraph",
                       "table", "embed", "embed", "embed", "embed", "figure", "paragraph"]
    figure = lxml.html.fragment_fromstring(body[5]["html"])
    img = figure.find("img")
    assert (img.get("src"), img.get("alt"), img.get("title")) == ("/img/lead.jpg", "A harbour at dawn",
                                                                  "Photo title text")
    assert figure.find("figcaption").text_content() == "Boats leave the harbour. (Photo: Agency)"
    table = lxml.html.fragment_fromstring(body[8]["html"])
    assert [c.text_content() for c in table.iter("th", "td")] == ["Party", "Seats", "Blue", "12"]
    assert table.find("caption").text_content() == "Results"
    iframe = lxml.html.fragment_fromstring(body[9]["html"])
    assert iframe.tag == "iframe" and iframe.get("src") == "https://www.youtube.com/embed/abc"
    assert "allow-scripts" in iframe.get("sandbox")
    assert lxml.html.fragment_fromstring(body[10]["html"]).get("poster") == "https://cdn.example/clip.jpg"
    tweet = lxml.html.fragment_fromstring(body[12]["html"])
    assert tweet.find(".//a").get("href") == "https://twitter.com/someone/status/1"
    assert "<code>pip install x</code>" in body[6]["html"]


def test_translated_alt_and_caption_reach_the_assembled_figure(db: Any) -> None:
    from service.articles.assembly import assemble

    article = _import(db)
    texts = {}
    for block in article.blocks:
        for segment in block.segments:
            if block.kind in ("caption", "image_alt", "image_title", "table_cell"):
                texts[segment.id] = "RU " + segment.source
    parts = assemble(article, "ru", texts)
    lead, chart = (b for b in parts["body_blocks"] if b["kind"] == "figure")
    assert (lead["alt"], lead["title"]) == ("RU A harbour at dawn", "RU Photo title text")
    assert lead["caption_html"].startswith("RU Boats")
    assert 'alt="RU Chart of seats by party"' in chart["html"]
    assert "<th>RU Party</th>" in next(b for b in parts["body_blocks"] if b["kind"] == "table")["html"]


def test_alt_equal_to_the_caption_is_translated_once(db: Any) -> None:
    from service.articles import services
    from service.articles.assembly import assemble

    page = ("<html><body><article><h1>T</h1><figure><img src='/a.jpg' alt='Same words here'>"
            "<figcaption>Same words here</figcaption></figure><p>Body text of the article.</p></article></body></html>")
    parsed = ingest.parse_html(page)
    assert [b.kind for b in parsed.blocks] == ["title", "caption", "paragraph"]
    article = services.create_article(parsed, services.ImportRequest(slug="alt-once"))
    caption = next(b for b in article.blocks if b.kind == "caption")
    parts = assemble(article, "ru", {caption.segments[0].id: "Те же слова"})
    assert parts["figure"]["alt"] == "Те же слова"


def test_protocol_relative_embeds_and_decorative_images():
    page = ("<html><body><article><h1>T</h1><p>Body text of the article, long enough.</p>"
            "<iframe src='//player.example/v/1'></iframe><p><img src='/icon.png'> <img src='/p.gif' alt='x' width='1'>"
            "</p><figure><img src='/photo.jpg'></figure></article></body></html>")
    blocks = ingest.parse_html(page).blocks
    assert [(b.kind, b.meta.get("src")) for b in blocks if b.kind != "paragraph"] == [
        ("title", None), ("embed", "https://player.example/v/1"), ("image", "/photo.jpg")]


def test_the_stored_title_keeps_protected_words():
    page = "<html><body><article><h1>The <code>make</code> tool</h1><p>Body text, long enough here.</p></article>"
    parsed = ingest.parse_html(page + "</body></html>")
    assert parsed.title == "The make tool"
    assert html_to_tagged(parsed.blocks[0].html)[0] == "The {1/} tool"
