"""Sources of a batch import: what the user named (files, URLs, stdin) with feeds and sitemaps expanded.

An RSS 2.0 / RSS 1.0 / Atom feed or a sitemap (``<urlset>``, and a ``<sitemapindex>`` one level down) stands
for the articles it lists, in its order. Only absolute http(s) URLs are taken from a feed (relative ones are
resolved against the feed's own URL): a feed never makes the importer read a local file. Every URL, listed or
given, is fetched by ``ingest.read_source`` with its checks (address, redirects, size, timeout).

XML is parsed without DTDs, entities or network access (no XXE, no entity expansion).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from ..errors import ImportFailed
from . import ingest

__all__ = ["Fetched", "FetchSettings", "expand", "fetch", "listed_urls", "parse"]

_FEED_TYPES = ("xml", "rss", "atom")
_ROOTS = {"rss", "RDF", "feed", "urlset", "sitemapindex"}
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)
MAX_LISTED = 500  # articles one feed or sitemap may stand for
MAX_SITEMAPS = 20  # child sitemaps read from one sitemap index


@dataclass(frozen=True)
class FetchSettings:
    max_bytes: int = ingest.MAX_SOURCE_BYTES
    allow_private: bool = False
    allow_loopback: bool = False
    timeout: float = 10.0


@dataclass
class Fetched:
    source: str  # as the user gave it, or the URL a feed listed
    data: bytes
    name: str | None  # file name or final URL (after redirects)
    content_type: str | None


def fetch(source: str, settings: FetchSettings) -> Fetched:
    data, name, content_type = ingest.read_source(
        source,
        max_bytes=settings.max_bytes,
        allow_private=settings.allow_private,
        allow_loopback=settings.allow_loopback,
        timeout=settings.timeout,
    )
    return Fetched(source, data, name, content_type)


def parse(item: Fetched, settings: FetchSettings) -> ingest.ParsedArticle:
    base_url = item.name if item.name and item.name.lower().startswith(("http://", "https://")) else None
    return ingest.parse_source(item.data, filename=item.name, content_type=item.content_type, base_url=base_url,
                               max_bytes=settings.max_bytes)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _looks_like_xml(item: Fetched) -> bool:
    ctype = (item.content_type or "").split(";")[0].strip().lower()
    name = (urlsplit(item.name).path if item.name and "://" in item.name else item.name or "").lower()
    if ctype.endswith(("+xml", "/xml")) or name.endswith((".xml", ".rss", ".atom")):
        return True
    head = item.data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<urlset", b"<sitemapindex", b"<rdf:rdf"))


def listed_urls(item: Fetched) -> tuple[str, list[str]] | None:
    """("feed" | "sitemap" | "sitemapindex", URLs in order) when ``item`` is a feed or a sitemap, else None."""
    if not _looks_like_xml(item):
        return None
    try:
        root = etree.fromstring(item.data, parser=_XML_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None  # XHTML that is not well-formed, or not XML at all: an article page
    if root is None or _local(root.tag) not in _ROOTS:
        return None
    kind = _local(root.tag)
    found: list[str] = []
    for el in root.iter():
        name = _local(el.tag)
        parent = _local(el.getparent().tag) if el.getparent() is not None else ""
        sitemap_loc = kind in ("urlset", "sitemapindex") and name == "loc" and parent in ("url", "sitemap")
        if sitemap_loc or (kind == "rss" and name == "link" and parent == "item"):
            found.append((el.text or "").strip())
        elif kind == "RDF" and name == "item":
            link = next((c for c in el if _local(c.tag) == "link"), None)
            about = el.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
            found.append(((link.text if link is not None else None) or about or "").strip())
        elif kind == "feed" and name == "entry":
            links = [c for c in el if _local(c.tag) == "link" and c.get("href")]
            best = next((c for c in links if (c.get("rel") or "alternate") == "alternate"), None)
            found.append(best.get("href", "").strip() if best is not None else "")
    base = item.name if item.name and item.name.lower().startswith(("http://", "https://")) else None
    urls: list[str] = []
    for url in found:
        url = urljoin(base, url) if base and url else url
        if urlsplit(url).scheme in ("http", "https") and url not in urls:
            urls.append(url)
    label = "feed" if kind in ("rss", "RDF", "feed") else kind.replace("urlset", "sitemap")
    return label, urls[:MAX_LISTED]


def expand(
    sources: list[str], settings: FetchSettings, *, on_error: Callable[[str, ImportFailed], None]
) -> Iterator[Fetched | str]:
    """Each source (fetched, or a file path to read again), or for a feed/sitemap the URLs it lists (fetched
    later, one by one).

    A source that cannot be read is reported through ``on_error`` and the others go on.
    """
    for source in sources:
        try:
            item = fetch(source, settings)
            listed = listed_urls(item)
            if listed is None:
                # A local file is read again when its turn comes: a long batch does not hold every page.
                local = source != "-" and not source.lower().startswith(("http://", "https://"))
                yield source if local else item
                continue
            kind, urls = listed
            if kind == "sitemapindex":
                urls = _sitemap_children(urls, settings, on_error)
            if not urls:
                raise ImportFailed(f"the {kind} lists no article URLs")
            yield from urls
        except ImportFailed as exc:
            on_error(source, exc)


def _sitemap_children(
    sitemaps: list[str], settings: FetchSettings, on_error: Callable[[str, ImportFailed], None]
) -> list[str]:
    urls: list[str] = []
    for sitemap in sitemaps[:MAX_SITEMAPS]:
        try:
            listed = listed_urls(fetch(sitemap, settings))
        except ImportFailed as exc:
            on_error(sitemap, exc)
            continue
        if listed is not None and listed[0] == "sitemap":  # one level only: an index of indexes is not followed
            urls.extend(u for u in listed[1] if u not in urls)
        if len(urls) >= MAX_LISTED:
            break
    return urls[:MAX_LISTED]
