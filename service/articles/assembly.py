"""Rebuild an article from its block template and a text per segment (source or approved target)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin

from babel.dates import format_date

from service.articles.models import Article
from service.articles.segmentation import assemble_block

BODY_KINDS = {"paragraph", "heading", "list_item", "quote"}


def block_html(block: Any, texts: Mapping[int, str]) -> str:
    pairs = [(texts.get(segment.id, segment.source), segment.tags) for segment in block.segments]
    return assemble_block(block.gaps, pairs)


def assemble(article: Article, lang: str, texts: Mapping[int, str] | None = None) -> dict[str, Any]:
    """The parts the reader template renders; ``texts`` maps segment id → target text."""
    texts = texts or {}
    parts: dict[str, Any] = {"title_html": "", "dek_html": None, "tags": [], "authors_html": [], "figure": None,
                             "body_blocks": [], "newsletter_html": None}
    for block in article.blocks:
        html = block_html(block, texts)
        if block.kind == "title":
            parts["title_html"] = html
        elif block.kind == "dek":
            parts["dek_html"] = html
        elif block.kind == "tag":
            parts["tags"].append({"html": html, "href": block.meta.get("href")})
        elif block.kind == "byline":
            parts["authors_html"].append(html)
        elif block.kind == "caption":
            # The image stays on the newsroom's server: resolve a site-relative src against the page.
            src = block.meta.get("src")
            if src and article.canonical_url:
                src = urljoin(article.canonical_url, src)
            parts["figure"] = {"src": src, "alt": block.meta.get("alt"), "caption_html": html}
        elif block.kind == "newsletter":
            parts["newsletter_html"] = html
        elif block.kind in BODY_KINDS:
            parts["body_blocks"].append({"kind": block.kind, "html": html})
    parts.update(dates(article, lang))
    return parts


def dates(article: Article, lang: str) -> dict[str, str | None]:
    if article.published_at is None:
        return {"date_iso": None, "date_display": None}
    local: datetime = article.published_at
    iso = local.isoformat(timespec="minutes")
    if article.published_tz:
        sign = -1 if article.published_tz.startswith("-") else 1
        hours, minutes = article.published_tz[1:].split(":")
        tz = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
        iso = local.replace(tzinfo=tz).isoformat(timespec="minutes")
    return {"date_iso": iso, "date_display": format_date(local.date(), format="long", locale=lang.replace("-", "_"))}
