"""Rebuild an article from its block template and a text per segment (source or approved target).

Blocks that belong together come back together: a figure's caption, alt and title blocks (paths
``figure/<n>/…``) make one figure; table cells (``meta`` row/column) make one table; media and social embeds
(blocks without text) are written from their ``meta`` with escaped attributes, never from stored HTML.
The first figure before the body text is the lead figure (``parts["figure"]``); later ones, tables and
embeds are ``body_blocks`` entries whose ``html`` is the whole element."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin

from babel.dates import format_date

from service.articles.ingest import plain_text
from service.articles.inline import LinkTargets, escape_text, open_tag_html, with_targets
from service.articles.models import Article
from service.articles.segmentation import assemble_block

BODY_KINDS = {"paragraph", "heading", "list_item", "quote"}
FIGURE_KINDS = {"caption", "image", "image_alt", "image_title"}
_IFRAME_SANDBOX = "allow-scripts allow-same-origin allow-popups allow-presentation"


def block_html(block: Any, texts: Mapping[int, str], links: LinkTargets | None = None) -> str:
    links = links or {}
    pairs = [(texts.get(segment.id, segment.source), with_targets(segment.tags, links.get(segment.id)))
             for segment in block.segments]
    return assemble_block(block.gaps, pairs)


def assemble(article: Article, lang: str, texts: Mapping[int, str] | None = None,
             links: LinkTargets | None = None) -> dict[str, Any]:
    """The parts the reader template renders; ``texts`` maps segment id → target text, ``links`` segment id →
    the links retargeted for ``lang`` (placeholder → href)."""
    texts = texts or {}
    parts: dict[str, Any] = {"title_html": "", "dek_html": None, "tags": [], "authors_html": [], "figure": None,
                             "body_blocks": [], "newsletter_html": None}
    figures: dict[str, dict[str, Any]] = {}
    tables: dict[int, dict[str, Any]] = {}
    last_embed: dict[str, Any] | None = None
    for block in article.blocks:
        html = block_html(block, texts, links)
        if block.kind in FIGURE_KINDS and block.path.startswith("figure/"):
            key = block.path.rsplit("/", 1)[0]
            figure = figures.get(key)
            if figure is None:
                figure = figures[key] = {"kind": "figure", "src": _image_src(article, block.meta.get("src")),
                                         "alt": block.meta.get("alt"), "title": None, "caption_html": None}
                lead = parts["figure"] is None and not parts["body_blocks"]
                if lead:
                    parts["figure"] = figure
                else:
                    parts["body_blocks"].append(figure)
            _fill_figure(figure, block, html)
        elif block.kind == "caption" and last_embed is not None:  # a figure around a video or a post
            last_embed["caption_html"] = html
        elif block.kind == "embed":
            last_embed = {"kind": "embed", **block.meta, "caption_html": None}
            parts["body_blocks"].append(last_embed)
        elif block.kind == "table_cell":
            table_id = int(block.meta.get("table", 0))
            if table_id not in tables:
                tables[table_id] = {"kind": "table", "rows": [], "caption_html": None}
                parts["body_blocks"].append(tables[table_id])
            _fill_table(tables[table_id], block.meta, html)
        elif block.kind == "title":
            parts["title_html"] = html
        elif block.kind == "dek":
            parts["dek_html"] = html
        elif block.kind == "tag":
            parts["tags"].append({"html": html, "href": block.meta.get("href")})
        elif block.kind == "byline":
            parts["authors_html"].append(html)
        elif block.kind == "newsletter":
            parts["newsletter_html"] = html
        elif block.kind in BODY_KINDS:
            parts["body_blocks"].append({"kind": block.kind, "html": html})
    for entry in parts["body_blocks"]:
        if entry["kind"] in RENDERERS:
            entry["html"] = RENDERERS[entry["kind"]](entry)
    parts.update(dates(article, lang))
    return parts


def _image_src(article: Article, src: str | None) -> str | None:
    """The image stays on the newsroom's server: resolve a site-relative src against the page."""
    return urljoin(article.canonical_url, src) if src and article.canonical_url else src


def _fill_figure(figure: dict[str, Any], block: Any, html: str) -> None:
    if block.kind == "caption":
        figure["caption_html"] = html
        # Alt text equal to the caption was imported once, as the caption: its translation is the alt too.
        if figure.get("alt") and " ".join(str(figure["alt"]).split()) == plain_text(block.html):
            figure["alt"] = plain_text(html)
    elif block.kind == "image_alt":
        figure["alt"] = plain_text(html)
    elif block.kind == "image_title":
        figure["title"] = plain_text(html)


def _fill_table(table: dict[str, Any], meta: dict[str, Any], html: str) -> None:
    if meta.get("caption"):
        table["caption_html"] = html
        return
    row, col = int(meta.get("row", 0)), int(meta.get("col", 0))
    while len(table["rows"]) <= row:
        table["rows"].append([])
    cells = table["rows"][row]
    while len(cells) <= col:
        cells.append({"html": "", "header": False})
    cells[col] = {"html": html, "header": bool(meta.get("header"))}


def _caption(entry: dict[str, Any]) -> str:
    return f"<figcaption>{entry['caption_html']}</figcaption>" if entry.get("caption_html") else ""


def _render_figure(entry: dict[str, Any]) -> str:
    attrs = {key: entry[key] for key in ("src", "alt", "title") if entry.get(key) is not None}
    image = open_tag_html("img", {**attrs, "loading": "lazy"}) if entry.get("src") else ""
    return f"<figure>{image}{_caption(entry)}</figure>"


def _render_embed(entry: dict[str, Any]) -> str:
    tag, src = entry.get("tag"), entry.get("src")
    size = {key: str(entry[key]) for key in ("width", "height", "title") if entry.get(key)}
    if tag == "iframe":
        element = open_tag_html("iframe", {"src": src, **size, "loading": "lazy", "sandbox": _IFRAME_SANDBOX,
                                           "allowfullscreen": "", "referrerpolicy": "no-referrer"}) + "</iframe>"
    elif tag in ("video", "audio"):
        poster = {"poster": entry["poster"]} if tag == "video" and entry.get("poster") else {}
        element = open_tag_html(tag, {"src": src, **size, **poster, "controls": "", "preload": "none"}) + f"</{tag}>"
    else:  # a social post: its text as published, and the link to it
        text = f"<p>{escape_text(entry['text'])}</p>" if entry.get("text") else ""
        element = (open_tag_html("blockquote", {"class": f"embed embed--{entry.get('provider') or 'post'}",
                                                "cite": src}) + text
                   + f"<p>{open_tag_html('a', {'href': src})}{escape_text(src or '')}</a></p></blockquote>")
    return f"<figure>{element}{_caption(entry)}</figure>" if entry.get("caption_html") else element


def _render_table(entry: dict[str, Any]) -> str:
    caption = f"<caption>{entry['caption_html']}</caption>" if entry.get("caption_html") else ""
    rows = "".join(
        "<tr>" + "".join(f"<th>{c['html']}</th>" if c["header"] else f"<td>{c['html']}</td>" for c in row) + "</tr>"
        for row in entry["rows"]
    )
    return f"<table>{caption}<tbody>{rows}</tbody></table>"


RENDERERS = {"figure": _render_figure, "embed": _render_embed, "table": _render_table}


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
