"""Import articles and read their progress: shared by the CLI, the API, the views and the demo."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from service import languages
from service.articles import ingest, segmentation
from service.articles.models import Article, Block, Segment
from service.errors import ImportFailed, InvalidInput, NotFound
from service.extensions import db
from service.history import record
from service.publishing.models import LanguageVersion, VersionStatus
from service.translation import pipeline
from service.translation.models import Translation
from service.translation.states import ALL_STATES

PRIORITIES = ("high", "normal", "low")


@dataclass
class ImportRequest:
    slug: str | None = None
    source_lang: str | None = None
    languages: str | list[str] | None = None  # comma-separated or a list; normalized by validate_request
    priority: str = "normal"
    user_id: int | None = None
    source_name: str | None = None


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "article"


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")
# First path segments the app itself uses: an article there would be shadowed on /<slug>.
RESERVED_SLUGS = {"login", "logout", "healthz", "articles", "review", "api", "static", "public-static"}


def validate_request(req: ImportRequest) -> ImportRequest:
    """Check everything the caller chose before any work is done, so bad input writes nothing."""
    if req.priority not in PRIORITIES:
        raise InvalidInput(f"unknown priority {req.priority!r} (use high, normal or low)")
    if req.slug is not None and not SLUG_RE.match(req.slug):
        raise InvalidInput(f"invalid slug {req.slug!r}: use lowercase letters, digits and hyphens")
    if req.slug in RESERVED_SLUGS:
        raise InvalidInput(f"the slug {req.slug!r} is reserved; choose another")
    if req.source_lang:
        req.source_lang = languages.validate(req.source_lang)
    req.languages = languages.validate_list(req.languages)
    return req


def read_and_parse(source: str) -> tuple[ingest.ParsedArticle, str | None]:
    """A file path, an http(s) URL or ``-``: read it (size-limited) and find the article in it."""
    max_bytes = int(current_app.config["TRANSDESK_MAX_IMPORT_BYTES"])
    data, name, content_type = ingest.read_source(
        source, max_bytes=max_bytes, allow_private=bool(current_app.config["TRANSDESK_IMPORT_ALLOW_PRIVATE_URLS"])
    )
    parsed = ingest.parse_source(data, filename=name, content_type=content_type,
                                 base_url=name if name and name.startswith("http") else None, max_bytes=max_bytes)
    return parsed, name


def parse_payload(kind: str, content: str | bytes) -> ingest.ParsedArticle:
    max_bytes = int(current_app.config["TRANSDESK_MAX_IMPORT_BYTES"])
    data = content.encode("utf-8") if isinstance(content, str) else content
    if kind == "html":
        return ingest.parse_source(data, content_type="text/html", max_bytes=max_bytes)
    if kind == "markdown":
        return ingest.parse_source(data, content_type="text/markdown", max_bytes=max_bytes)
    return ingest.parse_source(data, content_type="text/plain", max_bytes=max_bytes)


def create_article(parsed: ingest.ParsedArticle, req: ImportRequest) -> Article:
    """Store the article, its blocks and segments, and queue its languages; commits once."""
    req = validate_request(req)
    source_lang = req.source_lang or _page_language(parsed.lang) or current_app.config["TRANSDESK_SOURCE_LANGUAGE"]
    targets = [lang for lang in (req.languages or []) if lang != source_lang]
    slug = req.slug or _free_slug(slugify(parsed.title))
    if db.session.scalar(select(Article.id).filter_by(slug=slug)) is not None:
        raise InvalidInput(f"an article with the slug {slug!r} already exists")

    published_at, tz = _split_timezone(parsed.published_at)
    article = Article(slug=slug, source_lang=source_lang, title=parsed.title, dek=parsed.dek,
                      authors=list(parsed.authors), published_at=published_at, published_tz=tz,
                      canonical_url=parsed.canonical_url, source_name=req.source_name, priority=req.priority,
                      created_by_id=req.user_id)
    db.session.add(article)
    position = 0
    for block_index, parsed_block in enumerate(parsed.blocks):
        segmented = segmentation.segment_block(parsed_block.html, source_lang)
        block = Block(article=article, position=block_index, kind=parsed_block.kind, path=parsed_block.path,
                      html=parsed_block.html, gaps=segmented.gaps, meta=dict(parsed_block.meta))
        db.session.add(block)
        for index, draft in enumerate(segmented.segments):
            db.session.add(Segment(article=article, block=block, position=position, index_in_block=index,
                                   kind=parsed_block.kind, source=draft.source, tags=draft.tags,
                                   source_hash=segmentation.source_hash(parsed_block.path, draft.source)))
            position += 1
    if position == 0:
        raise ImportFailed("no translatable text found in the article")
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput(f"an article with the slug {slug!r} already exists") from None
    record("import", article_id=article.id, user_id=req.user_id, segments=position, source=req.source_name)
    db.session.add(LanguageVersion(article_id=article.id, lang=source_lang, is_source=True,
                                   status=VersionStatus.IN_PROGRESS.value, priority=req.priority))
    db.session.flush()
    # The source language is what the site already runs: publish it at once, from the source text.
    from service.publishing import services as publishing

    publishing.publish_source(article, user_id=req.user_id)
    db.session.refresh(article)
    pipeline.request_languages(article, targets, priority=req.priority, user_id=req.user_id)
    db.session.commit()
    return article


def _page_language(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return languages.validate(code.split("-")[0])
    except InvalidInput:
        return None


def _split_timezone(value: Any) -> tuple[Any, str | None]:
    """Keep the page's local wall-clock time and its offset, so dates read as the newsroom wrote them."""
    if value is None:
        return None, None
    offset = value.utcoffset()
    if offset is None:
        return value, None
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    tz = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return value.replace(tzinfo=None), tz


def _free_slug(base: str) -> str:
    taken = set(db.session.scalars(select(Article.slug).where(Article.slug.like(f"{base}%")))) | RESERVED_SLUGS
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def get_article(ref: str | int) -> Article:
    article = None
    if isinstance(ref, int) or str(ref).isdigit():
        article = db.session.get(Article, int(ref))
    if article is None:
        article = db.session.scalar(select(Article).filter_by(slug=str(ref)))
    if article is None:
        raise NotFound(f"no article {ref!r}")
    return article


def state_counts(article_id: int) -> dict[str, dict[str, int]]:
    """Counts by state per language, from one grouped query (cheap at any article size)."""
    rows = db.session.execute(
        select(Translation.lang, Translation.state, func.count())
        .where(Translation.article_id == article_id)
        .group_by(Translation.lang, Translation.state)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for lang, state, count in rows:
        counts.setdefault(lang, dict.fromkeys(ALL_STATES, 0))[state] = count
    return counts


def status(article: Article) -> dict[str, Any]:
    counts = state_counts(article.id)
    versions = db.session.scalars(
        select(LanguageVersion).filter_by(article_id=article.id).order_by(LanguageVersion.lang)
    ).all()
    langs: dict[str, Any] = {}
    for version in versions:
        if version.is_source:
            continue
        states = counts.get(version.lang, dict.fromkeys(ALL_STATES, 0))
        total = sum(states.values())
        langs[version.lang] = {
            "states": states,
            "published": version.is_published,
            "status": version.status,
            "total": total,
            "approved_share": round(states["approved"] / total, 4) if total else 0.0,
        }
    return {"id": article.id, "slug": article.slug, "title": article.title, "source_lang": article.source_lang,
            "segments": len(article.segments), "languages": langs}


def list_articles(limit: int = 200) -> list[Article]:
    return list(db.session.scalars(select(Article).order_by(Article.created_at.desc(), Article.id.desc()).limit(limit)))
