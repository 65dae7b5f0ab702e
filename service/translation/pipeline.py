"""Pre-translation: queue an article's segments for a language, then fill drafts batch by batch.

One Celery task carries one (article, language, batch of segment ids); never one task per string.
The database is the truth: a translation row is ``queued`` with the source hash it was queued for,
and a draft is written only while that is still so (compare-and-set), so a re-delivered or
duplicated task changes nothing and a segment edited in the meantime is never overwritten.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, insert, literal, select, update

from service import jobs
from service.articles.models import Article, Segment
from service.extensions import db
from service.history import record
from service.publishing.models import LanguageVersion
from service.timeutil import utcnow
from service.translation import breaker, memory
from service.translation.machinery import EngineError, get_engine
from service.translation.models import Translation
from service.translation.states import Origin, State

log = logging.getLogger(__name__)


def engine_name() -> str:
    return str(current_app.config["TRANSDESK_MT_ENGINE"])


def engine_settings() -> dict[str, object]:
    from service.translation.machinery import settings_from_config

    # Only the configured engine's URL, key and model: other providers' secrets stay out of it.
    settings: dict[str, object] = settings_from_config(engine_name(), current_app.config)
    settings["timeout"] = current_app.config["TRANSDESK_MT_TIMEOUT"]
    return settings


def batch_size() -> int:
    return max(1, int(current_app.config["TRANSDESK_MT_BATCH_SIZE"]))


def queue_for(priority: str) -> str:
    return jobs.PRIORITY_QUEUES.get(priority, "normal")


def request_languages(article: Article, langs: list[str], *, priority: str = "normal",
                      user_id: int | None = None) -> None:
    """Create the language versions and translation rows, and queue their batches after commit."""
    for lang in langs:
        if lang == article.source_lang:
            continue
        version = db.session.scalar(select(LanguageVersion).filter_by(article_id=article.id, lang=lang))
        if version is None:
            version = LanguageVersion(article_id=article.id, lang=lang, priority=priority)
            db.session.add(version)
        existing = {
            t.segment_id: t
            for t in db.session.scalars(select(Translation).filter_by(article_id=article.id, lang=lang))
        }
        now = utcnow()
        to_queue: list[int] = []
        new_rows: list[dict[str, Any]] = []
        for segment in article.segments:
            row = existing.get(segment.id)
            if row is None:
                # New rows go in as queued with one multi-row INSERT below (no ORM object per segment).
                new_rows.append({"segment_id": segment.id, "article_id": article.id, "lang": lang,
                                 "state": State.QUEUED.value, "queued_at": now, "source_hash": segment.source_hash,
                                 "version": 1})
                to_queue.append(segment.id)
                continue
            if row.state in (State.UNTRANSLATED, State.FAILED):
                row.state = State.QUEUED.value
                row.queued_at = now
                row.source_hash = segment.source_hash
                to_queue.append(segment.id)
        record("queued", article_id=article.id, lang=lang, user_id=user_id, count=len(to_queue),
               engine=engine_name(), priority=priority)
        db.session.flush()
        if new_rows:
            db.session.execute(insert(Translation), new_rows)
        enqueue_batches(article.id, lang, to_queue, priority=priority)


def enqueue_batches(article_id: int, lang: str, segment_ids: list[int], *, priority: str = "normal") -> int:
    size = batch_size()
    batches = [segment_ids[i:i + size] for i in range(0, len(segment_ids), size)]
    for batch in batches:
        jobs.enqueue(jobs.TRANSLATE_BATCH, queue=queue_for(priority), article_id=article_id, lang=lang,
                     segment_ids=batch)
    return len(batches)


def translate_batch(article_id: int, lang: str, segment_ids: list[int]) -> int:
    """Draft every still-queued segment of the batch; returns how many drafts were written.

    Raises EngineError for the worker to retry; ``fail_batch`` records the give-up.
    """
    rows = db.session.execute(
        select(Translation, Segment)
        .join(Segment, Segment.id == Translation.segment_id)
        .where(Translation.article_id == article_id, Translation.lang == lang,
               Translation.segment_id.in_(segment_ids), Translation.state == State.QUEUED.value)
        .order_by(Segment.position)
    ).all()
    pending = [(t, s) for t, s in rows if t.source_hash == s.source_hash]
    if not pending:
        db.session.rollback()
        return 0
    article = db.session.get(Article, article_id)
    source_lang = article.source_lang if article else "en"
    name = engine_name()
    sources = [s.source for _t, s in pending]
    # Translation memory first: an exact (100%) match becomes the draft and never reaches the engine.
    tm_hits = memory.exact_targets(sources, source_lang, lang)
    to_engine = [source for source in sources if source not in tm_hits]
    targets = [(t.id, t.source_hash, s.id, s.source) for t, s in pending]
    # Release the read transaction while the engine works: a slow provider must not hold locks.
    db.session.rollback()
    mt_outputs: dict[str, str | None] = {}
    if to_engine:
        engine = get_engine(name, engine_settings())
        unique = list(dict.fromkeys(to_engine))
        mt_outputs = dict(zip(unique, breaker.call(name, engine.translate, unique, source_lang, lang), strict=True))

    plans: list[tuple[int, str, int, str | None, State, dict[str, Any]]] = []
    for translation_id, source_hash, segment_id, source in targets:
        values: dict[str, Any]
        output = tm_hits.get(source) or mt_outputs.get(source)
        if output is None:
            new_state, values = State.UNTRANSLATED, {"text": None}
        elif source in tm_hits:
            new_state = State.DRAFT
            values = {"text": output, "mt_text": None, "origin": Origin.TM.value, "engine": None}
        else:
            new_state = State.DRAFT
            values = {"text": output, "mt_text": output, "origin": Origin.MT.value, "engine": name}
        plans.append((translation_id, source_hash, segment_id, output, new_state, values))

    def per_row(column: Any, key: str) -> Any:
        # Each row's own value; a row whose plan does not set the column keeps what it has.
        whens = {tid: literal(vals[key], column.type) for tid, _h, _s, _o, _n, vals in plans if key in vals}
        return case(whens, value=Translation.id, else_=column) if whens else column

    # One compare-and-set UPDATE for the whole batch: a row is written only while it is still queued for
    # the source hash it was queued with; RETURNING names exactly the rows written.
    hashes = {tid: literal(source_hash, Translation.source_hash.type) for tid, source_hash, *_rest in plans}
    states = {tid: literal(new_state.value, Translation.state.type) for tid, _h, _s, _o, new_state, _v in plans}
    written_ids = set(db.session.scalars(
        update(Translation)
        .where(Translation.id.in_([plan[0] for plan in plans]), Translation.state == State.QUEUED.value,
               Translation.source_hash == case(hashes, value=Translation.id))
        .values(state=case(states, value=Translation.id), version=Translation.version + 1, reason=None,
                updated_at=utcnow(), updated_by_id=None,
                **{key: per_row(getattr(Translation, key), key) for key in ("text", "mt_text", "origin", "engine")})
        .returning(Translation.id)
        .execution_options(synchronize_session=False)
    ))
    for translation_id, _hash, segment_id, output, new_state, values in plans:
        if translation_id in written_ids:
            record("draft" if output is not None else "no_mt", article_id=article_id, segment_id=segment_id,
                   lang=lang, old_state=State.QUEUED.value, new_state=new_state.value, new_text=output,
                   engine=values.get("engine"), origin=values.get("origin"))
    db.session.commit()  # the history rows go in one multi-row INSERT with the UPDATE's transaction
    return len(written_ids)


def fail_batch(article_id: int, lang: str, segment_ids: list[int], reason: str) -> int:
    """The engine gave up: mark what is still queued as failed, with the reason, for translators."""
    rows = db.session.scalars(
        select(Translation).where(Translation.article_id == article_id, Translation.lang == lang,
                                  Translation.segment_id.in_(segment_ids),
                                  Translation.state == State.QUEUED.value)
    ).all()
    for row in rows:
        row.state = State.FAILED.value
        row.reason = reason
        row.version += 1
        record("failed", article_id=article_id, segment_id=row.segment_id, lang=lang,
               old_state=State.QUEUED.value, new_state=State.FAILED.value, reason=reason)
    db.session.commit()
    return len(rows)


def note_attempt(article_id: int, lang: str, segment_ids: list[int]) -> None:
    db.session.execute(
        update(Translation)
        .where(Translation.article_id == article_id, Translation.lang == lang,
               Translation.segment_id.in_(segment_ids), Translation.state == State.QUEUED.value)
        .values(attempts=Translation.attempts + 1)
    )
    db.session.commit()


def reconcile(stuck_after: int | None = None) -> int:
    """Re-send batches for rows left ``queued`` past the deadline (lost messages, dead brokers)."""
    seconds = stuck_after if stuck_after is not None else int(current_app.config["TRANSDESK_QUEUE_STUCK_AFTER"])
    deadline = utcnow() - timedelta(seconds=seconds)
    rows = db.session.execute(
        select(Translation.id, Translation.article_id, Translation.lang, Translation.segment_id)
        .where(Translation.state == State.QUEUED.value, Translation.queued_at < deadline)
        .order_by(Translation.article_id, Translation.lang, Translation.segment_id)
    ).all()
    groups: dict[tuple[int, str], list[int]] = {}
    for _id, article_id, lang, segment_id in rows:
        groups.setdefault((article_id, lang), []).append(segment_id)
    now = utcnow()
    for (article_id, lang), segment_ids in groups.items():
        db.session.execute(
            update(Translation)
            .where(Translation.article_id == article_id, Translation.lang == lang,
                   Translation.segment_id.in_(segment_ids), Translation.state == State.QUEUED.value)
            .values(queued_at=now)
        )
        version = db.session.scalar(select(LanguageVersion).filter_by(article_id=article_id, lang=lang))
        enqueue_batches(article_id, lang, segment_ids, priority=version.priority if version else "normal")
    db.session.commit()
    return len(rows)


__all__ = ["EngineError", "enqueue_batches", "fail_batch", "reconcile", "request_languages", "translate_batch"]
