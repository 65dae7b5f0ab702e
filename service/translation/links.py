"""Per-language link targets: a translation may point a link of its segment somewhere else.

A Russian version should link to the Russian page of a source where one exists. The source's tags
(``Segment.tags``) stay as imported; a translation keeps only its overrides (``Translation.link_targets``,
placeholder number → href), and assembly applies them when that language is published.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from service.articles.inline import Tags
from service.errors import InvalidInput
from service.extensions import db
from service.translation.models import Translation

MAX_HREF = 2000


def link_slots(tags: Tags) -> dict[str, str]:
    """The segment's links that can be retargeted: placeholder number → the source's href."""
    return {n: str(tag["attrs"]["href"]) for n, tag in tags.items()
            if tag.get("name") == "a" and tag.get("attrs", {}).get("href")}


def validate_href(href: str) -> str:
    """An absolute http(s) URL or a site path: what a reader's browser can follow safely.

    The importer's sanitizer (nh3) keeps the same schemes for the source; an override must not reopen what
    it closed (``javascript:``, ``data:``) nor carry whitespace or control characters."""
    href = href.strip()
    if not href:
        raise InvalidInput("the link target is empty")
    if len(href) > MAX_HREF:
        raise InvalidInput(f"the link target is longer than {MAX_HREF} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in href):
        raise InvalidInput("the link target contains spaces or control characters")
    parts = urlsplit(href)
    if parts.scheme:
        if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
            raise InvalidInput("a link target must be an http(s) URL or a path on this site")
    elif not href.startswith("/") or href.startswith("//"):
        raise InvalidInput("a link target must be an http(s) URL or a path on this site")
    return href


def targets_for(article_id: int, lang: str) -> dict[int, dict[str, str]]:
    """Every override of one article's language version: segment id → {placeholder: href}."""
    rows = db.session.execute(
        select(Translation.segment_id, Translation.link_targets)
        .where(Translation.article_id == article_id, Translation.lang == lang,
               Translation.link_targets.is_not(None))
    )
    return {segment_id: dict(targets) for segment_id, targets in rows if targets}
