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
import ipaddress
import json
import re
import socket
import sys
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from markdown_it import MarkdownIt

from ..errors import ImportFailed, TooLarge
from .inline import escape_braces, html_to_tagged, strip_placeholders, tagged_to_html

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
INLINE_ATTRS = {"a": {"href", "title", "hreflang"}, "span": {"lang"}}
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
    "script", "style", "noscript", "iframe", "template", "svg", "canvas", "object", "embed", "form", "input",
    "button", "select", "textarea", "nav", "dialog", "video", "audio", "link", "meta",
]
# fmt: on
_CHROME_RE = re.compile(
    r"related|popular|share|sharing|comments?\b|sidebar|social|advert|promo-related", re.IGNORECASE
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

    clean = nh3.clean(raw_html, tags=INLINE_TAGS, attributes=INLINE_ATTRS, link_rel=None, strip_comments=True)
    tagged, tags = html_to_tagged(clean)
    for tag_id, tag in list(tags.items()):
        if tag["name"] in ("a", "span") and not tag["attrs"]:  # e.g. a javascript: link nh3 emptied
            tagged = tagged.replace(f"{{{tag_id}}}", "").replace(f"{{/{tag_id}}}", "")
            del tags[tag_id]
    tagged = _WS_RE.sub(" ", tagged).strip(" ")
    return tagged_to_html(tagged, tags)


def _is_empty(html: str) -> bool:
    return not strip_placeholders(html_to_tagged(html)[0]).strip()


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


def _find_root(doc: etree._Element) -> etree._Element | None:
    articles = [a for a in doc.iter("article") if _text_len(a)]
    if articles:
        return max(articles, key=lambda a: sum(_text_len(p) for p in a.iter("p")) or _text_len(a))
    for el in doc.iter("main"):
        return el
    for el in doc.iter():
        if isinstance(el.tag, str) and el.get("role") == "main":
            return el
    best, best_len = None, 0
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "p") or _in_chrome(el):
            continue
        size = sum(_text_len(p) for p in el if isinstance(p.tag, str) and p.tag == "p")
        if size > best_len:
            best, best_len = el, size
    return best


def _in_chrome(el: etree._Element) -> bool:
    for node in (el, *el.iterancestors()):
        if node.tag in ("header", "footer", "nav", "aside", "form") or (
            node.tag not in ("html", "body") and _CHROME_RE.search(_classes(node))
        ):
            return True
    return False


def _clean(root: etree._Element) -> None:
    """Drop chrome inside the chosen root (never the root or its ancestors)."""
    etree.strip_elements(root, *_JUNK_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    doomed = []
    for el in root.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        role = el.get("role") or ""
        # The article's own <header>/<footer> stay (they often hold the title or tags); site ones carry roles.
        if _is_hidden(el) or _CHROME_RE.search(_classes(el)) or role in _CHROME_ROLES:
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _unwrap_bare_inline(root: etree._Element, keep: set) -> None:
    """Unwrap spans without lang and links without href: they would only become meaningless placeholders."""
    for el in list(root.iter("span", "a", "font")):
        if el in keep or el is root:
            continue
        if (
            el.tag == "font"
            or (el.tag == "span" and not el.get("lang"))
            or (el.tag == "a" and not el.get("href"))
        ):
            el.drop_tag()


class _Walker:
    def __init__(self, root: etree._Element, meta: PageMeta) -> None:
        self.root = root
        self.meta = meta
        self.blocks: list[ParsedBlock] = []
        self.counters: dict[str, int] = {}
        self.title_el = next(root.iter("h1"), None)
        self.tags_el = self._first(
            lambda el: bool(_TAGS_RE.search(el.get("class") or "")) and el.find(".//a") is not None
        )
        self.dek_el = self._first(lambda el: el is not self.title_el and bool(_DEK_RE.search(_classes(el))))
        self.author_els = [
            a
            for a in root.xpath(_AUTHOR_XPATH)
            if not any(p in a.iterancestors() for p in root.xpath(_AUTHOR_XPATH))
        ]
        self.byline_el = self._byline_container()
        self.authors = [" ".join(_WS_RE.sub(" ", a.text_content()).split()) for a in self.author_els]
        self.authors = [a for a in self.authors if a] or meta.authors

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

    def walk(self, el: etree._Element, prefix: str, kind: str | None) -> None:
        """Emit blocks for ``el``'s content; ``kind`` is set when ``el`` itself is a block element."""
        run: list[str] = [el.text or ""]

        def flush() -> None:
            content = "".join(run)
            run.clear()
            if content.strip():
                tag = el.tag if kind else "p"
                block_kind = "newsletter" if prefix == "newsletter" else kind or "paragraph"
                path_kind = "quote" if block_kind == "quote" else tag
                self.add(block_kind, f"{prefix}/{path_kind}[{self.next_index(prefix + path_kind)}]", content)

        for child in el:
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
                self.add(
                    "byline",
                    f"byline/author/{i}",
                    _inner_html(a),
                    {"name": self.authors[i]} if i < len(self.authors) else {},
                )
        elif el.tag == "figure":
            caption = el.find(".//figcaption")
            img = el.find(".//img")
            if caption is not None:
                meta = {"src": img.get("src"), "alt": img.get("alt")} if img is not None else {}
                self.add("caption", f"figure/{self.next_index('figure')}/caption", _inner_html(caption), meta)
        elif prefix == "body" and _NEWSLETTER_RE.search(_classes(el)):
            self.walk(el, "newsletter", None)
        elif el.tag in _BLOCK_KINDS:
            self.walk(el, prefix, inherited or _BLOCK_KINDS[el.tag])
        else:
            self.walk(el, prefix, inherited)


def parse_html(data: str | bytes, *, base_url: str | None = None) -> ParsedArticle:
    if isinstance(data, bytes):
        data = decode_source(data, is_html=True)
    data = re.sub(r"^\s*<\?xml[^>]*>", "", data)  # lxml refuses str input with an encoding declaration
    try:
        doc = lxml.html.document_fromstring(data, base_url=base_url)
    except (etree.ParserError, ValueError) as exc:
        raise ImportFailed("no article found in the page") from exc
    meta = read_page_meta(doc, base_url)
    root = _find_root(doc)
    if root is None:
        raise ImportFailed("no article found in the page")
    if base_url:
        root.make_links_absolute(base_url, resolve_base_href=True)
    _clean(root)
    walker = _Walker(root, meta)
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
    if not any(b.kind == "byline" for b in blocks):
        pos = max((i + 1 for i, b in enumerate(blocks) if b.kind in ("tag", "title", "dek")), default=0)
        for i, name in enumerate(walker.authors):
            blocks.insert(
                pos + i,
                ParsedBlock(
                    "byline", f"byline/author/{i}", normalize_inline(_text_html(name)), {"name": name}
                ),
            )

    published = None
    time_el = next((t for t in root.iter("time") if t.get("datetime")), None)
    if time_el is not None:
        published = parse_datetime(time_el.get("datetime"))
    return ParsedArticle(
        title=_plain(title_block.html) if title_block else "",
        dek=next((_plain(b.html) for b in blocks if b.kind == "dek"), None),
        authors=walker.authors,
        published_at=published or meta.published_at,
        lang=meta.lang,
        canonical_url=meta.canonical_url,
        blocks=blocks,
    )


def _text_html(text: str) -> str:
    """Plain text -> HTML text (for blocks built from metadata)."""
    return tagged_to_html(escape_braces(text), {})


def _title_position(blocks: list[ParsedBlock]) -> int:
    """The title goes right after the leading tag blocks."""
    return next((i for i, b in enumerate(blocks) if b.kind != "tag"), len(blocks))


def _plain(html: str) -> str:
    return strip_placeholders(html_to_tagged(html)[0]).replace("\u00a0", " ").strip()


# --------------------------------------------------------------------------- Markdown / text


def parse_markdown(text: str) -> ParsedArticle:
    """First "# heading" is the title (else the first paragraph); the rest becomes body blocks."""
    rendered = MarkdownIt("commonmark").render(text)
    if not rendered.strip():
        raise ImportFailed("the source is empty")
    doc = lxml.html.fragment_fromstring(rendered, create_parent="article")
    h1 = doc.find("h1")
    if h1 is None:
        first = next((el for el in doc if el.tag == "p"), None)
        if first is not None:
            first.tag = "h1"
    page = "<html><body>" + lxml.html.tostring(doc, encoding="unicode") + "</body></html>"
    return parse_html(page)


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
    title: str | None = None
    description: str | None = None
    published_at: datetime | None = None
    authors: list[str] = field(default_factory=list)


def parse_datetime(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None


def _meta_content(doc: etree._Element, *names: str) -> str | None:
    for el in doc.iter("meta"):
        if (el.get("property") or el.get("name") or "").lower() in names and (
            el.get("content") or ""
        ).strip():
            return el.get("content").strip()
    return None


def _json_ld_articles(doc: etree._Element) -> list[dict]:
    found: list[dict] = []

    def visit(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            kinds = node.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                found.append(node)
            visit(node.get("@graph"))

    for script in doc.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            try:
                visit(json.loads(script.text))
            except ValueError:
                continue  # broken JSON-LD is common; it is only a fallback
    return found


def read_page_meta(doc: etree._Element, base_url: str | None) -> PageMeta:
    meta = PageMeta(lang=(doc.get("lang") or "").strip() or None)
    canonical = next(
        (
            el.get("href")
            for el in doc.iter("link")
            if "canonical" in (el.get("rel") or "").lower().split() and el.get("href")
        ),
        None,
    )
    canonical = canonical or _meta_content(doc, "og:url")
    meta.canonical_url = urljoin(base_url, canonical) if canonical and base_url else canonical
    meta.title = _meta_content(doc, "og:title")
    title_el = doc.find(".//title")
    if not meta.title and title_el is not None and title_el.text_content().strip():
        meta.title = re.sub(r"\s+\|[^|]*$", "", " ".join(title_el.text_content().split()))
    meta.description = _meta_content(doc, "description", "og:description")
    meta.published_at = parse_datetime(_meta_content(doc, "article:published_time"))
    author = _meta_content(doc, "article:author", "author")
    if author and not author.startswith(("http://", "https://")):
        meta.authors = [author]
    for item in _json_ld_articles(doc):
        meta.published_at = meta.published_at or parse_datetime(str(item.get("datePublished") or ""))
        if not meta.authors:
            people = item.get("author")
            people = people if isinstance(people, list) else [people]
            names = [p.get("name") if isinstance(p, dict) else p for p in people]
            meta.authors = [a.strip() for a in names if isinstance(a, str) and a.strip()]
        meta.title = meta.title or item.get("headline")
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


def decode_source(data: bytes, *, content_type: str | None = None, is_html: bool = False) -> str:
    """BOM first, then a declared charset (Content-Type, then <meta>), else strict UTF-8."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is None and content_type:
        match = _CT_CHARSET_RE.search(content_type)
        encoding = _known_codec(match.group(1)) if match else None
    if encoding is None and is_html:
        declared = _META_CHARSET_RE.search(data[:4096])
        encoding = _known_codec(declared.group(1).decode("ascii")) if declared else None
    try:
        text = data.decode(encoding or "utf-8")
    except (UnicodeDecodeError, LookupError) as exc:
        raise ImportFailed(_NOT_TEXT) from exc
    if "\x00" in text:
        raise ImportFailed(_NOT_TEXT)
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


def _check_host(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImportFailed(f"refusing to fetch {url}: only http(s) URLs are supported")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ImportFailed(f"cannot resolve host {parts.hostname}") from exc
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
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
    source: str, *, max_bytes: int = MAX_SOURCE_BYTES, allow_private: bool = False, timeout: float = 10.0
) -> tuple[bytes, str | None, str | None]:
    """File path, http(s) URL or "-" (stdin) -> (data, filename or final URL, content type)."""
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
            _check_host(url)
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
        with response:
            if response.is_redirect and response.headers.get("location"):
                url = urljoin(url, response.headers["location"])
                continue
            if response.status_code >= 400:
                raise ImportFailed(f"cannot fetch {url}: HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise TooLarge(f"{url} is larger than the {max_bytes // 1024} KiB limit")
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"{url} is larger than the {max_bytes // 1024} KiB limit")
            return b"".join(chunks), url, response.headers.get("content-type")
    raise ImportFailed(f"cannot fetch {source}: too many redirects")
