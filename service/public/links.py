"""Reader-page extras computed at render time (never stored in the immutable snapshot).

* Links in an article's body to another Transdesk article (its canonical URL, ``/<slug>`` or an absolute
  URL on a site host whose path is ``/<slug>``) point at that article's version in the page's language
  when it is published in it.
* The "Related" and "Popular" boxes: other articles published in the page's language.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from service.publishing.services import LiveArticle

BOX_SIZE = 5
CACHE_SIZE = 512
# The parts of a snapshot that hold body text with inline links.
_HTML_PARTS = ("dek_html", "newsletter_html")

_cache: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Targets:
    """Where links go in one language: canonical URL → slug, site slugs, and the site's hosts."""

    by_url: dict[str, str]
    slugs: frozenset[str]
    hosts: frozenset[str]
    key: tuple[tuple[str, str], ...]  # what the rewrite depends on (the cache key)


def _norm_url(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def targets(live: Sequence[LiveArticle], site_host: str) -> Targets:
    by_url: dict[str, str] = {}
    hosts = {site_host.lower()}
    for item in live:
        if item.canonical_url:
            by_url[_norm_url(item.canonical_url)] = item.slug
            hosts.add(urlsplit(item.canonical_url).netloc.lower())
    key = tuple(sorted((item.slug, item.canonical_url or "") for item in live)) + (("", site_host.lower()),)
    return Targets(by_url, frozenset(item.slug for item in live), frozenset(hosts - {""}), key)


def _target_slug(href: str, found: Targets) -> str | None:
    href = href.strip()
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.scheme and parts.scheme.lower() not in {"http", "https"}:
        return None
    if parts.netloc:
        slug = found.by_url.get(_norm_url(href))
        if slug is not None:
            return slug
        if parts.netloc.lower() not in found.hosts:
            return None
    elif not parts.path.startswith("/"):
        return None  # a relative path or a bare fragment is not a site path
    path = parts.path.strip("/")
    return path if path in found.slugs else None


def rewrite_html(fragment: str, lang: str, found: Targets) -> str:
    """``fragment`` with links to articles live in ``lang`` pointed at ``/<lang>/<slug>`` (unchanged if none)."""
    if not fragment or "href" not in fragment:
        return fragment
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    changed = False
    for anchor in root.iter("a"):
        href = anchor.get("href")
        slug = _target_slug(href, found) if href else None
        if slug is None:
            continue
        fragment_id = urlsplit(href or "").fragment
        anchor.set("href", f"/{lang}/{slug}" + (f"#{fragment_id}" if fragment_id else ""))
        changed = True
    if not changed:
        return fragment
    inner = (root.text or "") + "".join(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return inner


def localized_parts(snapshot_id: int, parts: dict[str, Any], lang: str, found: Targets) -> dict[str, Any]:
    """The snapshot's parts with body links rewritten; cached per (snapshot, live articles in ``lang``)."""
    key = (snapshot_id, lang, found.key)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    result = dict(parts)
    result["body_blocks"] = [
        {**block, "html": rewrite_html(block.get("html") or "", lang, found)}
        for block in parts.get("body_blocks") or []
    ]
    for name in _HTML_PARTS:
        if result.get(name):
            result[name] = rewrite_html(result[name], lang, found)
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


@lru_cache(maxsize=4096)
def plain_title(snapshot_id: int, title_html: str) -> str:
    """A snapshot's title as text (snapshots never change, so the id and title are a safe key)."""
    return str(lxml_html.fragment_fromstring(title_html or "-", create_parent="span").text_content()).strip()


def boxes(live: Sequence[LiveArticle], current_article_id: int, lang: str) -> dict[str, list[dict[str, str]]]:
    """Up to BOX_SIZE other articles live in ``lang``: related (newest first) and popular (most languages)."""
    others = [item for item in live if item.article_id != current_article_id]

    def entries(items: Sequence[LiveArticle]) -> list[dict[str, str]]:
        return [{"href": f"/{lang}/{item.slug}", "title": plain_title(item.snapshot_id, item.title_html)}
                for item in items[:BOX_SIZE]]

    # ``live`` is newest first and sorted() is stable, so ties in popularity stay newest first.
    popular = sorted(others, key=lambda item: -item.languages)
    return {"related": entries(others), "popular": entries(popular)}
