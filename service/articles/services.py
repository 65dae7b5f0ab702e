"""Import articles and read their progress: shared by the CLI, the API, the views and the demo."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, cast

from flask import current_app
from sqlalchemy import JSON, Table, Text, bindparam, column, delete, func, insert, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from service import languages
from service.articles import ingest, segmentation
from service.articles.models import Article, Block, Segment
from service.errors import ImportFailed, InvalidInput, NotFound
from service.extensions import db
from service.history import Event, record
from service.publishing.models import LanguageVersion, VersionStatus
from service.translation import pipeline
from service.translation.models import Translation
from service.translation.states import ALL_STATES, State

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
    segmented = _segment(parsed, source_lang)

    published_at, tz = _split_timezone(parsed.published_at)
    article = Article(slug=slug, source_lang=source_lang, title=parsed.title, dek=parsed.dek,
                      authors=list(parsed.authors), published_at=published_at, published_tz=tz,
                      canonical_url=parsed.canonical_url, source_name=req.source_name, priority=req.priority,
                      created_by_id=req.user_id)
    db.session.add(article)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput(f"an article with the slug {slug!r} already exists") from None
    # Core multi-row INSERTs: one ORM object per block and segment cost more than segmenting them.
    block_ids = _insert_blocks(article.id, [(position, parsed_block, blocks) for position, (parsed_block, blocks)
                                            in enumerate(segmented)])
    rows: list[dict[str, Any]] = []
    for block_id, (parsed_block, blocks) in zip(block_ids, segmented, strict=True):
        for index, draft in enumerate(blocks.segments):
            rows.append(_segment_row(article.id, block_id, len(rows), index, parsed_block, draft))
    _insert_segments(rows)
    _load_template(article)
    record("import", article_id=article.id, user_id=req.user_id, segments=len(rows), source=req.source_name)
    db.session.add(LanguageVersion(article_id=article.id, lang=source_lang, is_source=True,
                                   status=VersionStatus.IN_PROGRESS.value, priority=req.priority))
    db.session.flush()
    # The source language is what the site already runs: publish it at once, from the source text.
    from service.publishing import services as publishing

    publishing.publish_source(article, user_id=req.user_id)
    pipeline.request_languages(article, targets, priority=req.priority, user_id=req.user_id)
    db.session.commit()
    return article


def _segment(parsed: ingest.ParsedArticle, lang: str) -> list[tuple[ingest.ParsedBlock, segmentation.BlockSegments]]:
    """Every block with its sentences, before anything is written; no text at all is an import error."""
    segmented = [(block, segmentation.segment_block(block.html, lang)) for block in parsed.blocks]
    if not any(blocks.segments for _block, blocks in segmented):
        raise ImportFailed("no translatable text found in the article")
    return segmented


def _insert_blocks(article_id: int,
                   blocks: list[tuple[int, ingest.ParsedBlock, segmentation.BlockSegments]]) -> list[int]:
    """The blocks in one statement; their new ids in the order given."""
    rows = [{"article_id": article_id, "position": position, "kind": block.kind, "path": block.path,
             "html": block.html, "gaps": segmented.gaps, "meta": dict(block.meta)}
            for position, block, segmented in blocks]
    ids = {path: block_id for block_id, path in _bulk_insert(Block, rows, Block.id, Block.path)}
    return [ids[row["path"]] for row in rows]  # paths are unique within an article


def _insert_segments(rows: list[dict[str, Any]]) -> None:
    _bulk_insert(Segment, rows)


def _bulk_insert(model: Any, rows: list[dict[str, Any]], *returning: Any) -> list[Any]:
    """Insert many rows (all with the same keys), returning ``returning`` per row in no particular order.

    PostgreSQL gets one array per column, unnested server-side: one short statement for the whole article
    instead of one per row, or multi-row VALUES with thousands of parameters for the driver to parse. JSON
    columns travel as JSON text. Elsewhere: executemany, or multi-row INSERTs when ids are wanted.
    """
    if not rows:
        return []
    if db.session.get_bind().dialect.name != "postgresql":
        if returning:
            return list(db.session.execute(insert(model).returning(*returning), rows))
        db.session.execute(insert(model), rows)
        return []
    names = list(rows[0])
    columns = model.__table__.c
    arrays = []
    for name in names:
        is_json = isinstance(columns[name].type, JSON)
        values = [json.dumps(row[name]) if is_json else row[name] for row in rows]
        arrays.append(bindparam(f"rows_{name}", values,
                                type_=postgresql.ARRAY(Text() if is_json else columns[name].type)))
    unnested = func.unnest(*arrays).table_valued(*(column(name) for name in names)).render_derived(name="v")
    statement = insert(model).from_select(
        names, select(*(sql_cast(unnested.c[name], columns[name].type) for name in names)))
    if returning:
        return list(db.session.execute(statement.returning(*returning)))
    db.session.execute(statement)
    return []


def _segment_row(article_id: int, block_id: int, position: int, index: int, block: ingest.ParsedBlock,
                 draft: segmentation.SegmentDraft) -> dict[str, Any]:
    return {"article_id": article_id, "block_id": block_id, "position": position, "index_in_block": index,
            "kind": block.kind, "source": draft.source, "tags": draft.tags,
            "source_hash": segmentation.source_hash(block.path, draft.source)}


def _load_template(article: Article) -> None:
    """Load the blocks and segments in two queries, and fill article.blocks, article.segments and each
    block.segments from them (what publishing reads), instead of a lazy load per block."""
    blocks = list(db.session.scalars(select(Block).where(Block.article_id == article.id).order_by(Block.position)))
    segments = list(db.session.scalars(
        select(Segment).where(Segment.article_id == article.id).order_by(Segment.position)))
    by_block: dict[int, list[Segment]] = {block.id: [] for block in blocks}
    for segment in segments:
        by_block[segment.block_id].append(segment)
    for block in blocks:
        set_committed_value(block, "segments", by_block[block.id])
    set_committed_value(article, "blocks", blocks)
    set_committed_value(article, "segments", segments)


@dataclass
class ImportResult:
    """What an import or a re-import did: segments kept (with their translations), added and removed."""

    article: Article
    created: bool
    kept: int = 0
    added: int = 0
    removed: int = 0
    outdated: list[str] = field(default_factory=list)  # published languages the source change outdated

    def as_json(self) -> dict[str, Any]:
        return {"id": self.article.id, "slug": self.article.slug, "created": self.created, "kept": self.kept,
                "added": self.added, "removed": self.removed, "outdated": self.outdated}


def find_existing(parsed: ingest.ParsedArticle, req: ImportRequest) -> Article | None:
    """The article a re-import updates: the slug given, else the same canonical URL, else the title's slug."""
    if req.slug:
        return db.session.scalar(select(Article).filter_by(slug=req.slug))
    if parsed.canonical_url:
        found = db.session.scalar(select(Article).filter_by(canonical_url=parsed.canonical_url).order_by(Article.id))
        if found is not None:
            return found
    return db.session.scalar(select(Article).filter_by(slug=slugify(parsed.title)))


def import_or_update(parsed: ingest.ParsedArticle, req: ImportRequest) -> ImportResult:
    """Re-import when the article is already here (``find_existing``), else import it as new."""
    req = validate_request(req)
    existing = find_existing(parsed, req)
    if existing is not None:
        return update_article(existing, parsed, req)
    article = create_article(parsed, req)
    return ImportResult(article, created=True, added=len(article.segments))


def update_article(article: Article, parsed: ingest.ParsedArticle, req: ImportRequest) -> ImportResult:
    """Re-import ``article`` from a new parse of its source, in place; commits once.

    Segments match by identity (``source_hash``: block path + normalized text), then by normalized text alone
    (a paragraph added above shifts the paths below it). A matched segment keeps its row, translations and
    states. New or changed text becomes new segments with queued translations for every target language;
    segments no longer in the source are deleted, their history kept (detached, plus one ``segment_removed``
    row each with the source and translations they had). When the source changed, published translations
    become outdated and a live source version gets a new snapshot.
    """
    req = validate_request(req)
    if req.source_lang and req.source_lang != article.source_lang:
        raise InvalidInput(f"{article.slug!r} is in {article.source_lang!r}; a re-import cannot change that")
    if req.slug and req.slug != article.slug:
        raise InvalidInput(f"a re-import keeps the slug {article.slug!r}")
    segmented = _segment(parsed, article.source_lang)
    old_blocks = {row.path: row for row in db.session.execute(
        select(Block.id, Block.path, Block.position, Block.kind, Block.html, Block.gaps, Block.meta)
        .where(Block.article_id == article.id))}
    old_segments = db.session.execute(
        select(Segment.id, Segment.source_hash, Segment.source, Block.path).join(Block, Block.id == Segment.block_id)
        .where(Segment.article_id == article.id).order_by(Segment.position)).all()

    # Blocks: same path -> updated in place, new path -> inserted; vanished paths are deleted at the end.
    updates: list[dict[str, Any]] = []
    inserts: list[tuple[int, ingest.ParsedBlock, segmentation.BlockSegments]] = []
    for position, (block, blocks) in enumerate(segmented):
        old = old_blocks.get(block.path)
        if old is None:
            inserts.append((position, block, blocks))
            continue
        values = {"position": position, "kind": block.kind, "html": block.html, "gaps": blocks.gaps,
                  "meta": dict(block.meta)}
        if any(getattr(old, key) != value for key, value in values.items()):
            updates.append({"id": old.id, **values})
    block_ids = {old.path: old.id for old in old_blocks.values()}
    block_ids.update(zip((b.path for _p, b, _s in inserts), _insert_blocks(article.id, inserts), strict=True))
    if updates:
        db.session.execute(update(Block), updates)

    # Segments: identity first, then the same text under another path.
    drafts = [(block, index, draft, segmentation.source_hash(block.path, draft.source))
              for block, blocks in segmented for index, draft in enumerate(blocks.segments)]
    by_hash: dict[str, list[int]] = {}
    by_text: dict[str, list[int]] = {}
    for old in old_segments:
        by_hash.setdefault(old.source_hash, []).append(old.id)
        by_text.setdefault(segmentation.normalize_source(old.source), []).append(old.id)
    used: set[int] = set()

    def take(candidates: list[int] | None) -> int | None:
        for segment_id in candidates or ():
            if segment_id not in used:
                used.add(segment_id)
                return segment_id
        return None

    matched = [take(by_hash.get(hash_)) for _b, _i, _d, hash_ in drafts]
    for n, (_block, _index, draft, _hash) in enumerate(drafts):
        if matched[n] is None:
            matched[n] = take(by_text.get(segmentation.normalize_source(draft.source)))
    old_hash = {old.id: old.source_hash for old in old_segments}
    kept_rows: list[dict[str, Any]] = []
    new_rows: list[dict[str, Any]] = []
    rehashed: list[dict[str, Any]] = []
    for position, ((block, index, draft, hash_), segment_id) in enumerate(zip(drafts, matched, strict=True)):
        row = _segment_row(article.id, block_ids[block.path], position, index, block, draft)
        if segment_id is None:
            new_rows.append(row)
            continue
        kept_rows.append({"id": segment_id, **row})
        if old_hash[segment_id] != hash_:
            rehashed.append({"segment": segment_id, "old": old_hash[segment_id], "new": hash_})
    removed = [old for old in old_segments if old.id not in used]
    _remove_segments(article, removed, req.user_id)
    if kept_rows:
        db.session.execute(update(Segment), kept_rows)
    if rehashed:
        # The text is the same, only its path moved: its translations stay valid for the new identity.
        table = cast(Table, Translation.__table__)
        db.session.connection().execute(
            update(table).where(table.c.segment_id == bindparam("segment"), table.c.source_hash == bindparam("old"))
            .values(source_hash=bindparam("new")), rehashed)
        # A batch in flight for a moved row would now fail its compare-and-set: send those rows again (a
        # duplicate finds nothing left to write), rather than leave them to the reconciler's deadline.
        in_flight: dict[str, list[int]] = {}
        for segment_id, lang in db.session.execute(
                select(Translation.segment_id, Translation.lang).where(
                    Translation.segment_id.in_([row["segment"] for row in rehashed]),
                    Translation.state == State.QUEUED.value)):
            in_flight.setdefault(lang, []).append(segment_id)
        for lang, segment_ids in in_flight.items():
            pipeline.enqueue_batches(article.id, lang, segment_ids, priority=req.priority)
    if new_rows:
        _insert_segments(new_rows)
    db.session.execute(delete(Block).where(Block.article_id == article.id,
                                           Block.path.not_in([block.path for block, _s in segmented])))

    published_at, tz = _split_timezone(parsed.published_at)
    fields = {"title": parsed.title, "dek": parsed.dek, "authors": list(parsed.authors),
              "published_at": published_at, "published_tz": tz,
              "canonical_url": parsed.canonical_url or article.canonical_url,
              "source_name": req.source_name or article.source_name}
    changed = bool(new_rows or removed or inserts or updates or len(old_blocks) != len(segmented)
                   or any(getattr(article, key) != value for key, value in fields.items()))
    for key, value in fields.items():
        setattr(article, key, value)
    db.session.flush()
    db.session.expire_all()  # bulk statements bypassed the identity map: reload what is read next
    _load_template(article)
    result = ImportResult(article, created=False, kept=len(kept_rows), added=len(new_rows), removed=len(removed))
    record("reimport", article_id=article.id, user_id=req.user_id, kept=result.kept, added=result.added,
           removed=result.removed, source=req.source_name)
    if changed:
        from service.publishing import services as publishing

        result.outdated = publishing.mark_outdated(article, user_id=req.user_id)
        if publishing.language_version(article, article.source_lang).is_live:
            publishing.publish_source(article, user_id=req.user_id)
    targets = db.session.scalars(select(LanguageVersion.lang).filter_by(article_id=article.id, is_source=False))
    langs = list(dict.fromkeys([*targets, *(lang for lang in req.languages or [] if lang != article.source_lang)]))
    pipeline.request_languages(article, langs, priority=req.priority, user_id=req.user_id, requeue=False)
    db.session.commit()
    return result


def _remove_segments(article: Article, removed: list[Any], user_id: int | None) -> None:
    """Delete segments no longer in the source; their history rows stay, detached from the deleted row."""
    if not removed:
        return
    ids = [old.id for old in removed]
    translations: dict[int, dict[str, dict[str, Any]]] = {}
    for segment_id, lang, state, text in db.session.execute(
            select(Translation.segment_id, Translation.lang, Translation.state, Translation.text)
            .where(Translation.segment_id.in_(ids))):
        translations.setdefault(segment_id, {})[lang] = {"state": state, "text": text}
    db.session.execute(update(Event).where(Event.segment_id.in_(ids)).values(segment_id=None)
                       .execution_options(synchronize_session=False))
    for old in removed:
        record("segment_removed", article_id=article.id, user_id=user_id, old_text=old.source,
               removed_segment=old.id, path=old.path, translations=translations.get(old.id, {}))
    # Their translations and comments go with them (ON DELETE CASCADE).
    db.session.execute(delete(Segment).where(Segment.id.in_(ids)).execution_options(synchronize_session=False))


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
