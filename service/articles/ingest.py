"""Turn a source (HTML page, Markdown, plain text) into a ``ParsedArticle``: pure functions, no database.

HTML extraction finds the article root (``<article>``, else ``<main>``/``[role=main]``, else the element
with the most ``<p>`` text), drops site chrome (nav, forms, scripts, hidden elements, boxes whose class/id
says related/popular/share/comments/sidebar), then walks the root in reading order emitting tag,
title, dek, byline, caption, body and newsletter blocks.

Block HTML normalization (documented because segmentation must reproduce it byte for byte):
  * the HTML is sanitized with nh3 to the inline whitelist (``INLINE_TAGS``), spans without ``lang`` and links
    without ``href`` are unwrapped first;
  * runs of ASCII whitespace are collapsed to one space and stripped at both ends of the block; NBSP is NOT
    whitespace here, so a trailing ``&nbsp;`` at a paragraph end stays part of the block;
  * the result is re-serialized by ``inline.tagged_to_html(*inline.html_to_tagged(...))``, the one serializer,
    so ``tagged_to_html(*html_to_tagged(block.html)) == block.html`` holds exactly;
  * blocks whose text is empty (whitespace/NBSP only) are dropped.
"""

from __future__ import annotations

import codecs
import email.utils
import ipaddress
import json
import re
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from markdown_it import MarkdownIt

from ..errors import ImportFailed, TooLarge
from .inline import PROTECTED, escape_braces, html_to_tagged, strip_placeholders, tagged_to_html

__all__ = [
    "MAX_SOURCE_BYTES",
    "ParsedArticle",
    "ParsedBlock",
    "parse_html",
    "parse_markdown",
    "parse_source",
    "parse_text",
    "read_source",
]

INLINE_TAGS = {"a", "em", "strong", "b", "i", "u", "s", "sub", "sup", "code", "br", "span"}
INLINE_ATTRS = {"a": {"href", "title", "hreflang"}, "span": {"lang"}, "*": {"translate"}}
# Media and embeds: kept as blocks without text (``meta`` says what to show), never translated.
_MEDIA_TAGS = ("iframe", "video", "audio")
# Social embeds are marked-up quotes that a script turns into a widget: kept as a link to the post.
_SOCIAL_EMBED_RE = re.compile(
    r"twitter-tweet|twitter-video|instagram-media|tiktok-embed|fb-post|fb-video|bluesky-embed|reddit-embed"
    r"|telegram-post|mastodon-embed",
    re.IGNORECASE,
)
# Block kinds that make up the article's running text (what readers read as the body).
BODY_TEXT_KINDS = frozenset({"paragraph", "heading", "list_item", "quote", "table_cell"})
_BLOCK_KINDS = {
    **dict.fromkeys(["p", "dd", "dt", "pre", "td", "th"], "paragraph"),
    **dict.fromkeys(["h1", "h2", "h3", "h4", "h5", "h6"], "heading"),
    "li": "list_item",
    "blockquote": "quote",
}
# Elements whose content is inline text: a run of these (and text) is one block's content.
# fmt: off
_PHRASING = INLINE_TAGS | {
    "abbr", "cite", "q", "small", "mark", "time", "font", "big", "dfn", "kbd", "samp", "var", "del", "ins",
    "strike", "tt", "bdi", "bdo", "label", "data", "img", "wbr",
}
_JUNK_TAGS = [
    "script", "style", "noscript", "template", "svg", "canvas", "object", "embed", "form", "input",
    "button", "select", "textarea", "nav", "dialog", "link", "meta",
]
# fmt: on
_CHROME_RE = re.compile(
    r"related|popular|share|sharing|comments?\b|sidebar|social|advert|promo-related|playlist|carousel", re.IGNORECASE
)
_DEK_RE = re.compile(
    r"subtitle|(^|[-_\s])dek($|[-_\s])|standfirst|subhead|(^|[-_\s])lede?($|[-_\s])|summary", re.IGNORECASE
)
_TAGS_RE = re.compile(r"(^|[-_\s])tags?($|[-_\s])", re.IGNORECASE)
_AUTHOR_XPATH = (
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' byline__author ')"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' author ') or @itemprop='author']"
)
_CHROME_ROLES = ("navigation", "search", "banner", "contentinfo", "complementary")
_NEWSLETTER_RE = re.compile(r"newsletter", re.IGNORECASE)
_WS_RE = re.compile(r"[ \t\n\r\f]+")
_NESTED_BLOCK_RE = re.compile(
    r"</?(?:p|div|li|h[1-6]|ul|ol|dl|dd|dt|table|tr|td|th|blockquote|section|article|figure|figcaption|pre"
    r"|header|footer|aside|main|address|hr)(?:\s[^>]*)?/?>",
    re.IGNORECASE,
)
MAX_SOURCE_BYTES = 5 * 1024 * 1024


@dataclass
class ParsedBlock:
    kind: str
    path: str
    html: str
    meta: dict = field(default_factory=dict)


@dataclass
class ParsedArticle:
    title: str
    dek: str | None
    authors: list[str]
    published_at: datetime | None
    lang: str | None
    canonical_url: str | None
    blocks: list[ParsedBlock]


# --------------------------------------------------------------------------- block html


def normalize_inline(raw_html: str) -> str:
    """Sanitize + collapse ASCII whitespace + re-serialize with the one serializer (see module docstring)."""
    import nh3

    # Block elements left inside inline ones (libxml2 nests "<a>link<p>Two" so) keep their words apart.
    raw_html = _NESTED_BLOCK_RE.sub(" ", raw_html)
    clean = nh3.clean(raw_html, tags=INLINE_TAGS, attributes=INLINE_ATTRS, link_rel=None, strip_comments=True)
    tagged, tags = html_to_tagged(clean)
    for tag_id, tag in list(tags.items()):
        if tag["name"] in ("a", "span") and not tag["attrs"]:  # e.g. a javascript: link nh3 emptied
            tagged = tagged.replace(f"{{{tag_id}}}", "").replace(f"{{/{tag_id}}}", "")
            del tags[tag_id]
    tagged = _WS_RE.sub(" ", tagged).strip(" ")
    return tagged_to_html(tagged, tags)


def _is_empty(html: str) -> bool:
    """No text to read: whitespace only (protected content such as ``<code>`` counts as text)."""
    tagged, tags = html_to_tagged(html)
    return not strip_placeholders(tagged).strip() and not any(PROTECTED in t["attrs"] for t in tags.values())


def _classes(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _is_hidden(el: etree._Element) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return (
        el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


def _inner_html(el: etree._Element) -> str:
    parts = [el.text or ""]
    for child in el:
        parts.append(lxml.html.tostring(child, encoding="unicode", with_tail=False))
        if child.tag in _BLOCK_KINDS or child.tag in ("div", "ul", "ol"):
            parts.append(" ")  # keep words of sibling blocks apart once their tags are stripped
        parts.append(child.tail or "")
    return "".join(parts)


# --------------------------------------------------------------------------- HTML


def _text_len(el: etree._Element) -> int:
    return len(" ".join(el.itertext()).strip())


def _direct_text_len(el: etree._Element) -> int:
    """Text that is this element's own running text: its text, its inline children's, and the tails."""
    size = len((el.text or "").strip())
    for child in el:
        if isinstance(child.tag, str) and child.tag in _PHRASING:
            size += len(" ".join(child.itertext()).strip())
        size += len((child.tail or "").strip())
    return size


def _scored_candidate(doc: etree._Element) -> etree._Element | None:
    """Readability-style: every text block scores its text length to its parent and half to its grandparent.

    A text block is a ``<p>``/``<pre>``/``<td>`` or any element carrying its own running text (``<div>`` text
    separated by ``<br>``, as on many blog engines). Blocks inside structural chrome do not count.
    """
    scores: dict[etree._Element, float] = {}
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag in _JUNK_TAGS or el.tag in ("html", "head", "body", "title"):
            continue
        size = _direct_text_len(el)
        if not size or (size < 25 and el.tag not in _BLOCK_KINDS) or _in_chrome(el):
            continue  # a short text in a <div>/<span> is a label or a menu entry, not article text
        text = " ".join(el.itertext())
        linked = sum(len(" ".join(a.itertext()).strip()) for a in el.iter("a"))
        if linked * 2 > len(text.strip()):
            continue  # mostly link text: a list of headlines, a menu, tags
        # Short snippets (menus, labels, credits) weigh little; sentences and their commas weigh more.
        score = (1.0 if size >= 25 else 0.1) + size / 100 + sum(text.count(c) for c in ",、，،")
        parent = el.getparent()
        if el.find("br") is not None and el.tag not in ("p", "pre", "td", "li"):
            # One element holding <br>-separated paragraphs is a candidate of its own.
            scores[el] = scores.get(el, 0.0) + score
        if parent is not None and parent.tag not in ("html",):
            scores[parent] = scores.get(parent, 0.0) + score
            grand = parent.getparent()
            if grand is not None and grand.tag not in ("html",):
                scores[grand] = scores.get(grand, 0.0) + score / 2
    if not scores:
        return None
    return max(scores, key=lambda el: scores[el])


def _find_root(doc: etree._Element) -> etree._Element | None:
    """``<article>``/``<main>`` when it holds the densest text; else the densest element (see above)."""
    best = _scored_candidate(doc)
    if best is None:
        return None
    articles = [a for a in doc.iter("article") if _text_len(a)]
    articles.sort(key=lambda a: sum(_text_len(p) for p in a.iter("p")) or _text_len(a), reverse=True)
    mains = [el for el in doc.iter() if isinstance(el.tag, str) and (el.tag == "main" or el.get("role") == "main")]
    for container in [*articles, *mains]:
        # The semantic container keeps the article's own header (title, byline, tags) with the body; a
        # page-wide <main> holding far more than the body would bring the site's lists along.
        if (container is best or container in best.iterancestors()) and (
            container.tag == "article" or _text_len(container) <= 2 * _text_len(best)
        ):
            return container
    return best


_STRUCTURAL_CHROME = ("header", "footer", "nav", "aside", "form")
_ANCESTOR_CHROME_RE = re.compile(r"related|popular|comments?\b|sidebar", re.IGNORECASE)


def _in_chrome(el: etree._Element) -> bool:
    for node in (el, *el.iterancestors()):
        if node.tag in _STRUCTURAL_CHROME:
            return True
        if node.tag in ("html", "body"):
            continue
        # Ad and "social" wrappers sometimes enclose the whole content: only the box itself is chrome.
        pattern = _CHROME_RE if node is el else _ANCESTOR_CHROME_RE
        if pattern.search(_classes(node)):
            return True
    return False


def _clean(root: etree._Element) -> None:
    """Drop chrome inside the chosen root (never the root or its ancestors)."""
    etree.strip_elements(root, *_JUNK_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    doomed = []
    total = _text_len(root)
    for el in root.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        role = el.get("role") or ""
        # The article's own <header>/<footer> stay (they often hold the title or tags); site ones carry roles.
        if _is_hidden(el) or role in _CHROME_ROLES:
            doomed.append(el)
        elif _CHROME_RE.search(_classes(el)) and _text_len(el) * 2 < total:
            doomed.append(el)  # a class-named box holding most of the text is a wrapper ("advert-content-wrap")
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("translate") is not None and el.get("translate").strip().lower() != "no":
            del el.attrib["translate"]  # only translate="no" means something to us


def _unwrap_bare_inline(root: etree._Element, keep: set) -> None:
    """Unwrap spans without lang and links without href: they would only become meaningless placeholders."""
    for el in list(root.iter("span", "a", "font")):
        if el in keep or el is root:
            continue
        if (
            el.tag == "font"
            or (el.tag == "span" and not el.get("lang") and el.get("translate") is None)
            or (el.tag == "a" and not el.get("href"))
        ):
            el.drop_tag()


class _Walker:
    def __init__(self, root: etree._Element, meta: PageMeta, title_el: etree._Element | None) -> None:
        self.root = root
        self.meta = meta
        self.blocks: list[ParsedBlock] = []
        self.counters: dict[str, int] = {}
        self.title_el = title_el
        self.tags_el = self._first(
            lambda el: bool(_TAGS_RE.search(el.get("class") or "")) and el.find(".//a") is not None
        )
        # A dek is a sentence or two; a "summary"-named box holding the body ("text-with-summary") is not one.
        self.dek_el = self._first(
            lambda el: el is not self.title_el
            and bool(_DEK_RE.search(_classes(el)))
            and _text_len(el) <= 600
            and len(el.findall(".//p")) <= 1
        )
        self.author_els = [
            a
            for a in root.xpath(_AUTHOR_XPATH)
            if not any(p in a.iterancestors() for p in root.xpath(_AUTHOR_XPATH))
        ]
        self.byline_el = self._byline_container()
        self.byline_names = [" ".join(a.text_content().split()) for a in self.author_els]
        self.authors = clean_names(self.byline_names)

    def _first(self, pred) -> etree._Element | None:
        return next((el for el in self.root.iterdescendants() if isinstance(el.tag, str) and pred(el)), None)

    def _byline_container(self) -> etree._Element | None:
        if not self.author_els:
            return None
        for anc in self.author_els[0].iterancestors():
            if anc is self.root:
                break
            if "byline" in _classes(anc).lower():
                return anc
        return self.author_els[0]

    def add(self, kind: str, path: str, raw_html: str, meta: dict | None = None) -> None:
        html = normalize_inline(raw_html)
        if not _is_empty(html):
            self.blocks.append(ParsedBlock(kind=kind, path=path, html=html, meta=meta or {}))

    def next_index(self, key: str) -> int:
        self.counters[key] = self.counters.get(key, -1) + 1
        return self.counters[key]

    def run(self) -> list[ParsedBlock]:
        self.walk(self.root, "body", None)
        return self.blocks

    def add_media(self, kind: str, path: str, meta: dict) -> None:
        """A block without text (media, embeds): stored so that assembly can put it back in its place."""
        self.blocks.append(ParsedBlock(kind=kind, path=path, html="", meta=meta))

    def walk(self, el: etree._Element, prefix: str, kind: str | None, meta: dict | None = None) -> None:
        """Emit blocks for ``el``'s content; ``kind`` is set when ``el`` itself is a block element."""
        run: list[str] = [el.text or ""]

        def flush() -> None:
            content = "".join(run)
            run.clear()
            if content.strip():
                tag = el.tag if kind else "p"
                block_kind = "newsletter" if prefix == "newsletter" else kind or "paragraph"
                path_kind = "quote" if block_kind == "quote" else tag
                if _untranslatable(el, self.root):  # translate="no" on a block: its whole text is kept as is
                    content = f'<span translate="no">{content}</span>'
                path = f"{prefix}/{path_kind}[{self.next_index(prefix + path_kind)}]"
                self.add(block_kind, path, content, dict(meta) if meta else None)

        for child in el:
            if child.tag == "img" and not "".join(run).strip() and child.get("src"):
                flush()  # an image on its own (not inside a sentence): its alt and title text are translated
                self.image(child, None, prefix, in_figure=False)
                run.append(child.tail or "")
                continue
            if not isinstance(child.tag, str) or child.tag in _PHRASING:
                if isinstance(child.tag, str):
                    run.append(lxml.html.tostring(child, encoding="unicode", with_tail=False))
                run.append(child.tail or "")
                continue
            flush()
            self.special_or_walk(child, prefix, "quote" if kind == "quote" else None)
            run.append(child.tail or "")
        flush()

    def special_or_walk(self, el: etree._Element, prefix: str, inherited: str | None = None) -> None:
        if el is self.title_el:
            self.add("title", "title", _inner_html(el))
        elif el is self.tags_el and self.tags_el is not None:
            for i, a in enumerate(self.tags_el.iter("a")):
                self.add("tag", f"tags/{i}", _inner_html(a), {"href": a.get("href")})
        elif el is self.dek_el:
            self.add("dek", "dek", _inner_html(el))
        elif el is self.byline_el:
            for i, a in enumerate(self.author_els):
                names = clean_names([self.byline_names[i]])
                self.add("byline", f"byline/author/{i}", _inner_html(a), {"name": names[0]} if names else {})
        elif el.tag == "figure":
            media = next((m for m in el.iter(*_MEDIA_TAGS) if _media_meta(m)), None)
            social = _is_social_embed(el) or next((q for q in el.iter("blockquote") if _is_social_embed(q)), None)
            caption = el.find(".//figcaption")
            found = media if media is not None else social
            index = self.embed(found, prefix) if found is not None else None
            if index is not None:
                if caption is not None:
                    self.add("caption", f"{prefix}/embed[{index}]/caption", _inner_html(caption), {"embed": index})
            else:
                self.image(el.find(".//img"), caption, prefix, in_figure=True)
        elif el.tag in _MEDIA_TAGS or _is_social_embed(el):
            self.embed(el, prefix)
        elif el.tag == "table" and _is_data_table(el):
            self.table(el, prefix)
        elif prefix == "body" and _NEWSLETTER_RE.search(_classes(el)):
            self.walk(el, "newsletter", None)
        elif el.tag in _BLOCK_KINDS:
            self.walk(el, prefix, inherited or _BLOCK_KINDS[el.tag])
        else:
            self.walk(el, prefix, inherited)

    def image(
        self, img: etree._Element | None, caption: etree._Element | None, prefix: str, *, in_figure: bool
    ) -> None:
        """A figure or a lone image: caption, alt and title text each become a block (``figure/<n>/…``).

        Alt text equal to the caption is not asked for twice: assembly takes the translated caption as alt.
        A lone image without alt or title (icons, spacers, pixels) is left out.
        """
        if img is None and caption is None:
            return
        if img is not None and (img.get("width") in ("0", "1") or img.get("height") in ("0", "1")):
            img = None  # a tracking pixel is no image
        if not in_figure and (img is None or not (img.get("alt") or img.get("title") or "").strip()):
            return
        index = self.next_index("figure")
        meta = {"src": img.get("src"), "alt": img.get("alt")} if img is not None else {}
        cap_html = normalize_inline(_inner_html(caption)) if caption is not None else ""
        cap_text = plain_text(cap_html) if cap_html else ""
        alt = " ".join((img.get("alt") or "").split()) if img is not None else ""
        title = " ".join((img.get("title") or "").split()) if img is not None else ""
        if caption is not None and not _is_empty(cap_html):
            self.add("caption", f"figure/{index}/caption", cap_html, meta)
        elif not alt and not title and img is not None:
            self.add_media("image", f"figure/{index}/image", meta)  # nothing to translate: the image stays
        if alt and alt != cap_text:
            self.add("image_alt", f"figure/{index}/alt", _text_html(alt), {"src": meta.get("src")})
        if title and title not in (alt, cap_text):
            self.add("image_title", f"figure/{index}/title", _text_html(title), {"src": meta.get("src")})

    def embed(self, el: etree._Element, prefix: str) -> int | None:
        meta = _media_meta(el) if el.tag in _MEDIA_TAGS else _social_meta(el)
        if not meta:
            return None
        index = self.next_index(prefix + "embed")
        self.add_media("embed", f"{prefix}/embed[{index}]", meta)
        return index

    def table(self, table: etree._Element, prefix: str) -> None:
        """Each cell is a block; ``meta`` places it (row, column, header) so assembly rebuilds the grid."""
        index = self.next_index(prefix + "table")
        rows = [tr for tr in table.iter("tr") if next(tr.iterancestors("table")) is table]
        for r, tr in enumerate(rows):
            for c, cell in enumerate(td for td in tr if td.tag in ("td", "th")):
                meta = {"table": index, "row": r, "col": c, "header": cell.tag == "th"}
                path = f"{prefix}/table[{index}]/tr[{r}]/{cell.tag}[{c}]"
                self.add("table_cell", path, _inner_html(cell), meta)
        caption = table.find("caption")
        if caption is not None:
            self.add("table_cell", f"{prefix}/table[{index}]/caption", _inner_html(caption),
                     {"table": index, "caption": True})


def _untranslatable(el: etree._Element, root: etree._Element) -> bool:
    for node in (el, *el.iterancestors()):
        if (node.get("translate") or "").strip().lower() == "no":
            return True
        if node is root:
            break
    return False


def _is_data_table(table: etree._Element) -> bool:
    """A grid of short cells; a layout table (cells holding paragraphs, lists or tables) is walked as text."""
    return table.find(".//table") is None and not any(
        cell.find(f".//{tag}") is not None
        for cell in table.iter("td", "th")
        for tag in ("p", "div", "ul", "ol", "h1", "h2", "h3", "blockquote")
    )


def _is_social_embed(el: etree._Element) -> bool:
    return el.tag in ("blockquote", "div") and bool(_SOCIAL_EMBED_RE.search(el.get("class") or ""))


def _http_url(value: str | None) -> str | None:
    value = (value or "").strip()
    value = "https:" + value if value.startswith("//") else value  # protocol-relative embeds are common
    return value if urlsplit(value).scheme in ("http", "https") else None


def _media_meta(el: etree._Element) -> dict:
    """Where the media comes from and how it is labelled; tracking frames (0/1 px) and non-http sources go."""
    src = _http_url(el.get("src") or el.get("data-src"))
    if src is None and el.tag in ("video", "audio"):
        src = next((_http_url(s.get("src")) for s in el.iter("source") if _http_url(s.get("src"))), None)
    if src is None or el.get("width") in ("0", "1") or el.get("height") in ("0", "1"):
        return {}
    meta = {"tag": el.tag, "src": src}
    for name in ("title", "width", "height", "poster"):
        value = (el.get(name) or "").strip()
        if value and (name != "poster" or _http_url(value)):
            meta[name] = value
    return meta


def _social_meta(el: etree._Element) -> dict:
    """A social post: the link to it (the last link in the quote, by the providers' own embed code)."""
    links = [_http_url(a.get("href")) for a in el.iter("a")]
    links = [link for link in links if link]
    url = _http_url(el.get("cite") or el.get("data-href") or el.get("data-instgrm-permalink")) or (
        links[-1] if links else None
    )
    if url is None:
        return {}
    provider = _SOCIAL_EMBED_RE.search(el.get("class") or "")
    return {"tag": "social", "src": url, "provider": provider.group(0).lower() if provider else "",
            "text": " ".join(el.text_content().split())[:500]}


_HTML_PARSER = lxml.html.HTMLParser(huge_tree=True, remove_comments=False)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Deeper than any real page (browsers and libxml2 stop at 256 too); the walk below recurses once per level.
MAX_DEPTH = 256


def _depth(doc: etree._Element) -> int:
    deepest, stack = 0, [(doc, 1)]
    while stack:
        el, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in el)
    return deepest


def parse_html(data: str | bytes, *, base_url: str | None = None) -> ParsedArticle:
    if isinstance(data, bytes):
        data = decode_source(data, is_html=True)
    return _parse_document(_document(data, base_url), base_url)


def _document(data: str, base_url: str | None = None) -> etree._Element:
    data = re.sub(r"^\s*<\?xml[^>]*>", "", data)  # lxml refuses str input with an encoding declaration
    # C0 controls are not allowed in HTML text, and lxml refuses them: they go (a form feed is whitespace).
    data = _CONTROL_RE.sub(lambda m: " " if m.group(0) == "\x0c" else "", data)
    try:
        # huge_tree: libxml2 otherwise silently truncates text nodes over 10 MB and trees deeper than 256.
        return lxml.html.document_fromstring(data, base_url=base_url, parser=_HTML_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ImportFailed("no article found in the page") from exc


def _parse_document(doc: etree._Element, base_url: str | None) -> ParsedArticle:
    if _depth(doc) > MAX_DEPTH:
        raise ImportFailed(f"the page is nested too deeply to import (more than {MAX_DEPTH} levels of elements)")
    meta = read_page_meta(doc, base_url)
    root = _find_root(doc)
    if root is None:
        raise ImportFailed("no article found in the page")
    if base_url:
        root.make_links_absolute(base_url, resolve_base_href=True)
    _clean(root)
    title_el, title_text = _choose_title(doc, root, meta)
    meta.title = title_text
    walker = _Walker(root, meta, title_el if title_el is not None and root in (title_el, *title_el.iterancestors())
                     else None)
    _unwrap_bare_inline(
        root, {walker.title_el, walker.tags_el, walker.dek_el, walker.byline_el, *walker.author_els}
    )
    blocks = walker.run()
    if not any(b.kind in ("paragraph", "heading", "list_item", "quote") for b in blocks):
        raise ImportFailed("no article found in the page")

    title_block = next((b for b in blocks if b.kind == "title"), None)
    if title_block is None and meta.title:
        title_block = ParsedBlock("title", "title", normalize_inline(_text_html(meta.title)), {})
        blocks.insert(_title_position(blocks), title_block)
    if not any(b.kind == "dek" for b in blocks) and meta.description:
        pos = _title_position(blocks) + (title_block is not None)
        blocks.insert(pos, ParsedBlock("dek", "dek", normalize_inline(_text_html(meta.description)), {}))
    # JSON-LD names people one by one; a byline's text needs splitting and can hold more than names.
    authors = meta.authors or walker.authors or _doc_byline_names(doc)
    if not any(b.kind == "byline" for b in blocks):
        pos = max((i + 1 for i, b in enumerate(blocks) if b.kind in ("tag", "title", "dek")), default=0)
        for i, name in enumerate(authors):
            blocks.insert(
                pos + i,
                ParsedBlock(
                    "byline", f"byline/author/{i}", normalize_inline(_text_html(name)), {"name": name}
                ),
            )

    published = next((d for d in (parse_datetime(t.get("datetime")) for t in root.iter("time")) if d), None)
    if published is None and meta.published_at is None:  # last: any dated element outside chrome
        stamps = (parse_datetime(el.get("datetime")) for el in doc.xpath("//*[@datetime]") if not _in_chrome(el))
        published = next((d for d in stamps if d), None)
    return ParsedArticle(
        title=plain_text(title_block.html) if title_block else "",
        dek=next((plain_text(b.html) for b in blocks if b.kind == "dek"), None),
        authors=authors,
        published_at=published or meta.published_at,
        lang=meta.lang,
        canonical_url=meta.canonical_url,
        blocks=blocks,
    )


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def _comparable(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split()).casefold()


def _choose_title(
    doc: etree._Element, root: etree._Element, meta: PageMeta
) -> tuple[etree._Element | None, str | None]:
    """The headline: the first heading that the page's own metadata confirms (its text is, or is part of, an
    og:/JSON-LD/twitter/<title> title), else the article's first ``<h1>``, else the metadata title."""
    stated = [_comparable(t) for t in meta.titles]
    headings = [*root.iter("h1"), *(h for h in doc.iter("h1") if root not in h.iterancestors() and h is not root),
                *root.iter("h2", "h3")]
    for heading in headings:
        text = _comparable(heading.text_content())
        if len(text) >= 3 and any(text in t and 2 * len(text) >= len(t) for t in stated):
            return heading, " ".join(heading.text_content().split())
    first = next(root.iter("h1"), None)
    if first is not None and " ".join(first.text_content().split()):
        return first, " ".join(first.text_content().split())
    return None, meta.title


_DOC_AUTHOR_XPATH = (
    "//*[contains(concat(' ', normalize-space(@rel), ' '), ' author ') or @itemprop='author'"
    " or contains(concat(' ', normalize-space(@class), ' '), ' author ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' autor ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' byline ')]"
)


def _doc_byline_names(doc: etree._Element) -> list[str]:
    """Last resort: an author marker anywhere on the page outside chrome (the byline sits above the body)."""
    for el in doc.xpath(_DOC_AUTHOR_XPATH):
        if isinstance(el.tag, str) and el.tag not in ("meta", "link") and not _in_chrome(el):
            names = clean_names([" ".join(el.text_content().split())])
            if names and len(names) <= 6:
                return names
    return []


def _text_html(text: str) -> str:
    """Plain text -> HTML text (for blocks built from metadata)."""
    return tagged_to_html(escape_braces(text), {})


def _title_position(blocks: list[ParsedBlock]) -> int:
    """The title goes right after the leading tag blocks."""
    return next((i for i, b in enumerate(blocks) if b.kind != "tag"), len(blocks))


def plain_text(html: str) -> str:
    """Block HTML -> the text a reader sees (protected content included, no-break spaces as spaces), stripped."""
    if not html.strip():
        return ""
    text = lxml.html.fragment_fromstring(html, create_parent="div").text_content()
    return str(text).replace("\u00a0", " ").strip()


# --------------------------------------------------------------------------- Markdown / text


def parse_markdown(text: str) -> ParsedArticle:
    """First "# heading" is the title (else the first paragraph); the rest becomes body blocks."""
    rendered = MarkdownIt("commonmark").render(text)
    if not rendered.strip():
        raise ImportFailed("the source is empty")
    # Markdown may carry raw HTML (even "<html>"): the rendering goes inside an article of a page of our own.
    doc = _document(f"<html><body><article>{rendered}</article></body></html>")
    article = next(doc.iter("article"), None)
    if article is not None and article.find(".//h1") is None:
        first = next(article.iter("p"), None)
        if first is not None:
            first.tag = "h1"
    return _parse_document(doc, None)


def parse_text(text: str) -> ParsedArticle:
    """First non-empty line is the title; blank-line separated paragraphs follow."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise ImportFailed("the source is empty")
    title = _WS_RE.sub(" ", lines[0]).strip()
    blocks = [ParsedBlock("title", "title", normalize_inline(_text_html(title)), {})]
    for chunk in re.split(r"\n[ \t]*\n", "\n".join(lines[1:])):
        html = normalize_inline(_text_html(chunk))
        if not _is_empty(html):
            blocks.append(ParsedBlock("paragraph", f"body/p[{len(blocks) - 1}]", html, {}))
    return ParsedArticle(
        title=title, dek=None, authors=[], published_at=None, lang=None, canonical_url=None, blocks=blocks
    )


# --------------------------------------------------------------------------- sniffing


def parse_source(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    base_url: str | None = None,
    max_bytes: int = MAX_SOURCE_BYTES,
) -> ParsedArticle:
    fmt = sniff_format(data, filename=filename, content_type=content_type, max_bytes=max_bytes)
    text = decode_source(data, content_type=content_type, is_html=fmt == "html")
    if not text.strip():
        raise ImportFailed("the source is empty")
    if fmt == "html":
        return parse_html(text, base_url=base_url)
    if fmt == "markdown":
        return parse_markdown(text)
    return parse_text(text)


# --------------------------------------------------------------------------- page metadata


@dataclass
class PageMeta:
    lang: str | None = None
    canonical_url: str | None = None
    title: str | None = None  # the best title the metadata offers (og:, JSON-LD, <title> without site suffix)
    titles: list[str] = field(default_factory=list)  # every title the page states, to confirm a heading
    description: str | None = None
    published_at: datetime | None = None
    authors: list[str] = field(default_factory=list)  # JSON-LD authors, else author meta tags


# Publication date metadata, most specific first (Open Graph, then the common non-standard names).
_DATE_META = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date", "article_date_original",
    "date",
)
_DATE_FORMATS = (
    "%A, %B %d, %Y, %I:%M %p", "%A, %B %d, %Y %I:%M %p", "%B %d, %Y %I:%M %p", "%B %d, %Y", "%b %d, %Y",
    "%d %B %Y", "%Y/%m/%d",
)
_ISO_PREFIX_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")
_BY_RE = re.compile(r"^\s*(?:by|from|por|von|par|автор[ы]?)\s*:?\s+", re.IGNORECASE)
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|;|\band\b|&|\bи\b|\by\b)\s*", re.IGNORECASE)
_TITLE_SUFFIX_RE = re.compile(r"\s+(?:\||-|–|—|»|::)\s+[^|»]*$")


def parse_datetime(value: str | None) -> datetime | None:
    """ISO 8601 (with ``Z``/``-0700`` offsets), RFC 822 (feeds), or a few spelled-out English forms.

    An unknown zone name after an ISO date-time ("…T17:40:00EET") keeps the page's wall-clock time, naive.
    """
    value = " ".join((value or "").split())
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        pass
    prefix = _ISO_PREFIX_RE.match(value)
    if prefix:
        try:
            return datetime.fromisoformat(prefix.group(0))
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def clean_names(raw: list[str]) -> list[str]:
    """Byline strings -> person names: "By A, B and C, CNN" -> ["A", "B", "C"] (a trailing agency acronym,
    URLs, @handles and duplicates go)."""
    names: list[str] = []
    for item in raw:
        # "Name | Place | Date": a byline's fields after a bar are not names.
        text = _BY_RE.sub("", " ".join(item.replace("\u00a0", " ").split()).split(" | ")[0])
        for part in _NAME_SPLIT_RE.split(text):
            part = _BY_RE.sub("", part).strip(" .,:;|-")
            if (
                not part
                or part.startswith(("http://", "https://", "@", "www."))
                or (part.isupper() and " " not in part and len(part) <= 6)  # "CNN", "AFP": the agency, not a person
                or len(part) > 80
                or any(ch.isdigit() for ch in part)
                or part.casefold() in (n.casefold() for n in names)
            ):
                continue
            names.append(part)
    return names


def _meta_content(doc: etree._Element, *names: str) -> str | None:
    wanted = {n.lower() for n in names}
    for el in doc.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "").lower()
        if key in wanted and (el.get("content") or "").strip():
            return " ".join(el.get("content").split())
    return None


def _json_ld_articles(doc: etree._Element) -> list[dict]:
    found: list[dict] = []

    def visit(node: object, depth: int = 0) -> None:
        if depth > 20:
            return
        if isinstance(node, list):
            for item in node:
                visit(item, depth + 1)
        elif isinstance(node, dict):
            kinds = node.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and (k.endswith("Article") or k in ("BlogPosting", "Report")) for k in kinds):
                found.append(node)
            visit(node.get("@graph"), depth + 1)

    for script in doc.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            try:
                visit(json.loads(script.text))
            except (ValueError, RecursionError):
                continue  # broken JSON-LD is common; it is only a source of metadata
    return found


def _ld_names(value: object) -> list[str]:
    people = value if isinstance(value, list) else [value]
    names = [p.get("name") if isinstance(p, dict) else p for p in people]
    return [n for n in names if isinstance(n, str)]


def _page_lang(doc: etree._Element, items: list[dict]) -> str | None:
    lang = (doc.get("lang") or doc.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    lang = lang or _meta_content(doc, "content-language", "language", "dc.language") or ""
    lang = lang or next((i["inLanguage"] for i in items if isinstance(i.get("inLanguage"), str)), "")
    lang = lang or (_meta_content(doc, "og:locale") or "").replace("_", "-")
    lang = lang.split(",")[0].strip()
    return lang if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", lang) else None


def read_page_meta(doc: etree._Element, base_url: str | None) -> PageMeta:
    items = _json_ld_articles(doc)
    meta = PageMeta(lang=_page_lang(doc, items))
    canonical = next(
        (
            el.get("href").strip()
            for el in doc.iter("link")
            if "canonical" in (el.get("rel") or "").lower().split() and (el.get("href") or "").strip()
        ),
        None,
    )
    og_url = _meta_content(doc, "og:url")
    if base_url:
        canonical = urljoin(base_url, canonical or og_url or "") or None
    elif not canonical or not urlsplit(canonical).scheme:
        # A relative canonical can only be resolved against the page's address: og:url states it.
        absolute_og = og_url if og_url and urlsplit(og_url).scheme in ("http", "https") else None
        canonical = (urljoin(absolute_og, canonical) if canonical and absolute_og and canonical.startswith("/")
                     else absolute_og or canonical)
    meta.canonical_url = canonical

    title_el = doc.find(".//title")
    page_title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    stated = [
        _meta_content(doc, "og:title"),
        *(i.get("headline") for i in items),
        _meta_content(doc, "twitter:title"),
        page_title,
        _TITLE_SUFFIX_RE.sub("", page_title),
    ]
    meta.titles = [" ".join(t.split()) for t in stated if isinstance(t, str) and t.strip()]
    meta.title = meta.titles[0] if meta.titles else None
    if meta.title and meta.title == page_title:
        meta.title = _TITLE_SUFFIX_RE.sub("", page_title) or page_title
    meta.description = _meta_content(doc, "description", "og:description")
    ld_dates = (parse_datetime(str(i.get("datePublished") or "")) for i in items)
    meta.published_at = next((d for d in ld_dates if d), None) or parse_datetime(_meta_content(doc, *_DATE_META))
    meta.authors = clean_names([n for i in items for n in _ld_names(i.get("author"))])
    if not meta.authors:
        meta.authors = clean_names(
            [a for a in [_meta_content(doc, "author", "article:author", "article_author", "dc.creator", "byl")] if a]
        )
    return meta


# --------------------------------------------------------------------------- bytes in


# fmt: off
_BINARY_MAGIC = (
    b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"RIFF",
    b"\x00\x00\x01\x00", b"II*\x00", b"MM\x00*", b"\x7fELF", b"\xd0\xcf\x11\xe0", b"OggS",
    b"\x1a\x45\xdf\xa3", b"wOFF", b"wOF2", b"Rar!",
)
# fmt: on
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CT_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_HTML_START_RE = re.compile(
    r"^\s*(<\?xml|<!doctype html|<html|<head|<body|<article|<main|<div|<p[\s>]|<!--)", re.IGNORECASE
)
# Input without a name or type (stdin): a leading ATX heading ("# Title") marks Markdown.
_MD_HEADING_RE = re.compile(r"^\s*#{1,6}[ \t]+\S")
_NOT_TEXT = "the source is not text (it looks like a binary file)"


def _known_codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def _declared_charset(data: bytes, content_type: str | None, is_html: bool) -> str | None:
    """HTTP Content-Type first (it overrides the page, as in browsers), then ``<meta charset>``/http-equiv."""
    if content_type:
        match = _CT_CHARSET_RE.search(content_type)
        if match and _known_codec(match.group(1)):
            return _known_codec(match.group(1))
    if is_html:
        declared = _META_CHARSET_RE.search(data[:4096])
        if declared:
            return _known_codec(declared.group(1).decode("ascii", "replace"))
    return None


def _detect(data: bytes) -> str | None:
    """charset-normalizer's best guess, for bytes that are neither UTF-8 nor what they declare."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()  # a prefix is enough to tell, and keeps huge input fast
    return _known_codec(best.encoding) if best is not None else None


def _garbled(text: str) -> bool:
    """Mojibake, by charset-normalizer's measure (letters of scripts mixed inside words, odd symbols)."""
    from charset_normalizer.md import mess_ratio

    sample = re.sub(r"<[^>]*>|&\w+;", " ", text[:100_000])  # markup is not what we judge
    return mess_ratio(sample, maximum_threshold=1.0) > 0.2


def decode_source(data: bytes, *, content_type: str | None = None, is_html: bool = False) -> str:
    """Bytes -> text: a BOM, else the declared charset, else UTF-8; a declaration the bytes contradict and
    undeclared non-UTF-8 bytes are detected (charset-normalizer).

    Pages often declare a single-byte charset (latin-1, windows-1252) while serving UTF-8: bytes that are
    valid UTF-8 with non-ASCII characters are read as UTF-8 whatever they declare, since no real text in a
    single-byte charset is also valid UTF-8 by chance.
    """
    bom = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    candidates: list[str] = [bom] if bom else []
    declared = None if bom else _declared_charset(data, content_type, is_html)
    if declared and declared not in ("utf-8", "ascii") and not data.isascii():
        candidates.append("utf-8")  # a single-byte (or wrong) declaration over UTF-8 bytes
    candidates += [c for c in (declared, "utf-8") if c]
    for encoding in dict.fromkeys(candidates):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if encoding == declared and declared != "utf-8" and not data.isascii() and _garbled(text):
            continue  # windows-1251 bytes declared as windows-1252 decode without error, into nonsense
        break
    else:
        guess = _detect(data)
        try:
            text = data.decode(guess or "utf-8")
        except (UnicodeDecodeError, LookupError) as exc:
            raise ImportFailed(_NOT_TEXT) from exc
    if "\x00" in text or len(_CONTROL_RE.findall(text[:65536])) > len(text[:65536]) // 20:
        raise ImportFailed(_NOT_TEXT)  # text has a few control characters at most; binary data has many
    return text.lstrip("\ufeff")


def sniff_format(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    max_bytes: int = MAX_SOURCE_BYTES,
) -> str:
    """ "html" | "markdown" | "text"; raises ImportFailed for empty, binary or too large input."""
    if len(data) > max_bytes:
        raise TooLarge(f"the source is larger than the {max_bytes // 1024} KiB limit")
    if not data.strip():
        raise ImportFailed("the source is empty")
    has_bom = any(data.startswith(bom) for bom, _ in _BOMS)
    if not has_bom and (data.startswith(_BINARY_MAGIC) or b"\x00" in data[:8192]):
        raise ImportFailed(_NOT_TEXT)
    ctype = (content_type or "").split(";")[0].strip().lower()
    name = (urlsplit(filename).path if filename and "://" in filename else filename or "").lower()
    if ctype in ("text/html", "application/xhtml+xml") or name.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if ctype in ("text/markdown", "text/x-markdown") or name.endswith((".md", ".markdown")):
        return "markdown"
    head = data[:1024].decode("utf-8", errors="ignore").lstrip("\ufeff")
    if _HTML_START_RE.match(head):
        return "html"
    return "markdown" if _MD_HEADING_RE.match(head) else "text"


def _check_host(url: str, *, allow_loopback: bool = False) -> None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "http://[::1", "http://host:99999/"
        raise ImportFailed(f"refusing to fetch {url}: not a valid URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImportFailed(f"refusing to fetch {url}: only http(s) URLs are supported")
    try:
        infos = socket.getaddrinfo(parts.hostname, port or None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ImportFailed(f"cannot resolve host {parts.hostname}") from exc
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if allow_loopback and addr.is_loopback:
            continue
        if (
            addr.is_private
            or addr.is_loopback
            or addr.is_link_local
            or addr.is_reserved
            or addr.is_multicast
            or addr.is_unspecified
        ):
            raise ImportFailed(f"refusing to fetch {url}: {parts.hostname} is a private or local address")


def _read_limited(stream, max_bytes: int, what: str) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(f"{what} is larger than the {max_bytes // 1024} KiB limit")
    return data


def read_source(
    source: str,
    *,
    max_bytes: int = MAX_SOURCE_BYTES,
    allow_private: bool = False,
    allow_loopback: bool = False,
    timeout: float = 10.0,
) -> tuple[bytes, str | None, str | None]:
    """File path, http(s) URL or "-" (stdin) -> (data, filename or final URL, content type).

    URLs: every hop of a redirect is checked before it is requested; private, loopback, link-local, reserved
    and multicast addresses are refused unless ``allow_private`` (``allow_loopback`` lets only loopback in,
    for a local test server). ``timeout`` bounds connecting and each read; the size limit is checked on the
    declared length and again while reading.
    """
    if source == "-":
        return _read_limited(sys.stdin.buffer, max_bytes, "the input"), None, None
    if not source.lower().startswith(("http://", "https://")):
        try:
            with open(source, "rb") as handle:
                return _read_limited(handle, max_bytes, source), source, None
        except OSError as exc:
            raise ImportFailed(f"cannot read {source}: {exc.strerror or exc}") from exc
    import requests

    url = source
    # Redirects are followed by hand so every hop's host is checked (no redirect into the private network).
    for _ in range(6):
        if not allow_private:
            _check_host(url, allow_loopback=allow_loopback)
        try:
            response = requests.get(
                url,
                timeout=timeout,
                stream=True,
                allow_redirects=False,
                headers={"User-Agent": "Transdesk/0.1 (article import)"},
            )
        except requests.RequestException as exc:
            raise ImportFailed(f"cannot fetch {url}: {exc.__class__.__name__}") from exc
        except ValueError as exc:  # requests parses a redirect's Location even when not following it
            raise ImportFailed(f"refusing to fetch {url}: it redirects to an invalid URL") from exc
        with response:
            if response.is_redirect and response.headers.get("location"):
                try:
                    url = urljoin(url, response.headers["location"])
                except ValueError as exc:
                    raise ImportFailed(f"refusing to fetch {response.headers['location']}: not a valid URL") from exc
                continue
            if response.status_code >= 400:
                raise ImportFailed(f"cannot fetch {url}: HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise TooLarge(f"{url} is larger than the {max_bytes // 1024} KiB limit")
            chunks, size = [], 0
            # ``timeout`` bounds each read; a server dripping bytes is also stopped after 3x that in total.
            deadline = time.monotonic() + 3 * timeout
            try:
                for chunk in response.iter_content(64 * 1024):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"{url} is larger than the {max_bytes // 1024} KiB limit")
                    if time.monotonic() > deadline:
                        raise ImportFailed(f"cannot fetch {url}: the server is too slow")
            except requests.RequestException as exc:
                raise ImportFailed(f"cannot fetch {url}: {exc.__class__.__name__}") from exc
            return b"".join(chunks), url, response.headers.get("content-type")
    raise ImportFailed(f"cannot fetch {source}: too many redirects")
