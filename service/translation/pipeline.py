"""Pre-translation: queue an article's segments for a language, then fill drafts batch by batch.

One Celery task carries one (article, language, batch of segment ids); never one task per string.
The database is the truth: a translation row is ``queued`` with the source hash it was queued for,
and a draft is written only while that is still so (compare-and-set), so a re-delivered or
duplicated task changes nothing and a segment edited in the meantime is never overwritten.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import Boolean, any_, bindparam, case, column, func, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql

from service import jobs
from service.articles.models import Article, Segment
from service.extensions import db
from service.glossary import services as glossary
from service.history import Event, record
from service.publishing.models import LanguageVersion
from service.timeutil import utcnow
from service.translation import breaker, memory
from service.translation.machinery import EngineError, engine_class, get_engine
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
    """Segments per task: ``TRANSDESK_MT_BATCH_SIZE``, or with 0 the engine's own request size (one provider
    request per task: 25 for LibreTranslate, 100 for the instant ``pseudo``)."""
    configured = int(current_app.config["TRANSDESK_MT_BATCH_SIZE"] or 0)
    return configured if configured > 0 else max(1, engine_class(engine_name()).batch_size)


def queue_for(priority: str) -> str:
    return jobs.PRIORITY_QUEUES.get(priority, "normal")


def request_languages(article: Article, langs: list[str], *, priority: str = "normal",
                      user_id: int | None = None, requeue: bool = True) -> None:
    """Create the language versions and translation rows, and queue their batches after commit.

    ``requeue=False`` (re-import) only queues segments without a row, leaving failed and untranslated ones as
    they are.
    """
    order = {segment_id: n for n, segment_id in enumerate(db.session.scalars(
        select(Segment.id).where(Segment.article_id == article.id).order_by(Segment.position)))}
    for lang in langs:
        if lang == article.source_lang:
            continue
        version = db.session.scalar(select(LanguageVersion).filter_by(article_id=article.id, lang=lang))
        if version is None:
            version = LanguageVersion(article_id=article.id, lang=lang, priority=priority)
            db.session.add(version)
        db.session.flush()
        now = utcnow()
        to_queue: list[int] = []
        if requeue:
            # Rows the engine left empty or gave up on go back in the queue, against the current source.
            current_hash = select(Segment.source_hash).where(Segment.id == Translation.segment_id).scalar_subquery()
            to_queue += db.session.scalars(
                update(Translation)
                .where(Translation.article_id == article.id, Translation.lang == lang,
                       Translation.state.in_([State.UNTRANSLATED.value, State.FAILED.value]))
                .values(state=State.QUEUED.value, queued_at=now, source_hash=current_hash)
                .returning(Translation.segment_id)
                .execution_options(synchronize_session=False)
            ).all()
        # Segments without a row get one, queued, in one INSERT ... SELECT: no row data leaves the database.
        missing = (
            select(Segment.id, Segment.article_id, literal(lang), literal(State.QUEUED.value), literal(now),
                   Segment.source_hash, literal(1), literal(0), literal(now))
            .where(Segment.article_id == article.id,
                   ~select(Translation.id).where(Translation.segment_id == Segment.id, Translation.lang == lang)
                   .exists())
        )
        to_queue += db.session.scalars(
            insert(Translation)
            .from_select(["segment_id", "article_id", "lang", "state", "queued_at", "source_hash", "version",
                          "attempts", "updated_at"], missing)
            .returning(Translation.segment_id)
        ).all()
        to_queue.sort(key=lambda segment_id: order[segment_id])  # batches in article order
        record("queued", article_id=article.id, lang=lang, user_id=user_id, count=len(to_queue),
               engine=engine_name(), priority=priority)
        enqueue_batches(article.id, lang, to_queue, priority=priority)


def enqueue_batches(article_id: int, lang: str, segment_ids: list[int], *, priority: str = "normal") -> int:
    size = batch_size()
    batches = [segment_ids[i:i + size] for i in range(0, len(segment_ids), size)]
    for batch in batches:
        jobs.enqueue(jobs.TRANSLATE_BATCH, queue=queue_for(priority), article_id=article_id, lang=lang,
                     segment_ids=batch)
    return len(batches)


def _commit_without_flush_wait() -> None:
    """PostgreSQL: this transaction's COMMIT returns before its WAL reaches the disk (a few ms per batch).

    Safe for the pipeline's own writes: a worker killed after the commit loses nothing (the server has it), and
    a server crash can only lose the last fraction of a second of drafts and attempt counts together with their
    history rows; those rows are then still ``queued`` and the reconciler sends them again.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


class _Claimed(NamedTuple):
    id: int
    source_hash: str


class _Source(NamedTuple):
    id: int
    source: str
    source_hash: str


def claim(article_id: int, lang: str, segment_ids: list[int]) -> tuple[list[tuple[_Claimed, _Source]], str]:
    """Count an attempt on the batch's still-queued rows and read what to translate, in one statement.

    Returns (translation, segment) pairs in article order, only where the row was queued for the segment's
    current source, and the article's source language. The caller commits.
    """
    def of_segment(column: Any) -> Any:
        # Scalar subqueries, not UPDATE ... FROM: SQLite's RETURNING may only name the updated table.
        return select(column).where(Segment.id == Translation.segment_id).scalar_subquery()

    rows = db.session.execute(
        update(Translation)
        .where(Translation.article_id == article_id, Translation.lang == lang,
               Translation.segment_id.in_(segment_ids), Translation.state == State.QUEUED.value)
        .values(attempts=Translation.attempts + 1)
        .returning(Translation.id, Translation.source_hash, Translation.segment_id, of_segment(Segment.source),
                   of_segment(Segment.source_hash), of_segment(Segment.position),
                   select(Article.source_lang).where(Article.id == Translation.article_id).scalar_subquery())
        .execution_options(synchronize_session=False)
    ).all()
    rows = sorted(rows, key=lambda row: row[5])
    pending = [(_Claimed(tid, queued_hash), _Source(segment_id, source, current_hash))
               for tid, queued_hash, segment_id, source, current_hash, _position, _lang in rows
               if queued_hash == current_hash]
    return pending, (rows[0][6] if rows else "en")


def translate_batch(article_id: int, lang: str, segment_ids: list[int]) -> int:
    """Draft every still-queued segment of the batch; returns how many drafts were written.

    Raises EngineError for the worker to retry; ``fail_batch`` records the give-up.
    """
    _commit_without_flush_wait()
    pending, source_lang = claim(article_id, lang, segment_ids)
    if not pending:
        db.session.commit()  # the attempts counted on rows whose source changed meanwhile
        return 0
    name = engine_name()
    # Translation memory first: an exact (100%) match never reaches the engine; it becomes the draft, or is
    # approved at once where the language's auto-approve policy allows it (memory.batch_hits, tm_policy).
    # Auto-approved rows do not go back into the memory: it holds that pair already, and copying it under this
    # article's neighbours would let an ``exact`` approval manufacture context no person ever approved.
    tm_hits = memory.batch_hits(article_id, [(s.id, s.source) for _t, s in pending], source_lang, lang)
    to_engine = [s.source for _t, s in pending if s.id not in tm_hits]
    targets = [(t.id, t.source_hash, s.id, s.source) for t, s in pending]
    # The pair's glossary (read before the commit, in this transaction) for engines that take one (DeepL, LLMs).
    terms = glossary.engine_glossary(source_lang, lang) if to_engine else {}
    # Commit the attempt count (it must survive a killed worker) and release the transaction while the engine
    # works: a slow provider must not hold locks.
    db.session.commit()
    mt_outputs: dict[str, str | None] = {}
    if to_engine:
        engine = get_engine(name, engine_settings())
        unique = list(dict.fromkeys(to_engine))
        drafts = breaker.call(name, engine.translate, unique, source_lang, lang, terms or None)
        mt_outputs = dict(zip(unique, drafts, strict=True))

    plans: list[tuple[int, str, int, str | None, State, dict[str, Any]]] = []
    for translation_id, source_hash, segment_id, source in targets:
        values: dict[str, Any]
        tm_hit = tm_hits.get(segment_id)
        output = tm_hit.target if tm_hit else mt_outputs.get(source)
        if output is None:
            new_state, values = State.UNTRANSLATED, {"text": None}
        elif tm_hit is not None:
            new_state = State.APPROVED if tm_hit.approve else State.DRAFT
            values = {"text": output, "mt_text": None, "origin": Origin.TM.value, "engine": None}
        else:
            new_state = State.DRAFT
            values = {"text": output, "mt_text": output, "origin": Origin.MT.value, "engine": name}
        plans.append((translation_id, source_hash, segment_id, output, new_state, values))

    _commit_without_flush_wait()
    written_ids = _write_drafts(plans)
    # History: one row per draft written, sent as one executemany with the UPDATE's transaction.
    history = [{"action": _history_action(output, new_state), "article_id": article_id,
                "segment_id": segment_id, "lang": lang, "old_state": State.QUEUED.value,
                "new_state": new_state.value, "new_text": output,
                "data": {"engine": values.get("engine"), "origin": values.get("origin"),
                         **_tm_note(tm_hits.get(segment_id), new_state)}}
               for translation_id, _hash, segment_id, output, new_state, values in plans
               if translation_id in written_ids]
    if history:
        db.session.execute(insert(Event), history)
    db.session.commit()
    return len(written_ids)


def _history_action(output: str | None, new_state: State) -> str:
    if output is None:
        return "no_mt"
    return "auto_approve" if new_state is State.APPROVED else "draft"


def _tm_note(hit: memory.BatchHit | None, new_state: State) -> dict[str, Any]:
    """What a TM-filled row's history says: the match kind, and the policy that approved it, if one did."""
    if hit is None:
        return {}
    note: dict[str, Any] = {"tm_match": "in_context" if hit.in_context else "exact"}
    if new_state is State.APPROVED:
        note["auto_approved_by"] = f"tm_policy:{hit.policy.value}"
    return note


def _write_drafts(plans: list[tuple[int, str, int, str | None, State, dict[str, Any]]]) -> set[int]:
    """One compare-and-set UPDATE for the whole batch; returns the ids of the rows written.

    A row is written only while it is still queued for the source hash it was queued with; RETURNING names
    exactly those rows. A plan's ``values`` sets some of the columns; the others keep what they hold.
    """
    keys = sorted({key for *_rest, values in plans for key in values})
    common = {"version": Translation.version + 1, "reason": None, "updated_at": utcnow(), "updated_by_id": None}
    if db.session.get_bind().dialect.name == "postgresql":
        # The batch as arrays unnested server-side: one constant statement whatever the batch size (compiled
        # and parsed once per process), not a CASE per column with two parameters per row.
        arrays: dict[str, tuple[list[Any], Any]] = {
            "id": ([plan[0] for plan in plans], Translation.id.type),
            "hash": ([plan[1] for plan in plans], Translation.source_hash.type),
            "state": ([plan[4].value for plan in plans], Translation.state.type),
        }
        for key in keys:
            arrays[key] = ([plan[5].get(key) for plan in plans], getattr(Translation, key).type)
            arrays[f"set_{key}"] = ([key in plan[5] for plan in plans], Boolean())
        params = {name: bindparam(f"batch_{name}", values, type_=postgresql.ARRAY(type_))
                  for name, (values, type_) in arrays.items()}
        rows = func.unnest(*params.values()) \
            .table_valued(*(column(name, type_) for name, (_values, type_) in arrays.items())).render_derived(name="v")
        statement = (
            update(Translation)
            # id = ANY(ids) lets the planner find the rows by primary key instead of scanning the table.
            .where(Translation.id == any_(params["id"]), Translation.id == rows.c.id,
                   Translation.state == State.QUEUED.value, Translation.source_hash == rows.c.hash)
            .values(state=rows.c.state, **common,
                    **{key: case((rows.c[f"set_{key}"], rows.c[key]), else_=getattr(Translation, key))
                       for key in keys})
        )
    else:
        def per_row(key: str) -> Any:
            # Each row's own value; a row whose plan does not set the column keeps what it has.
            column = getattr(Translation, key)
            whens = {tid: literal(vals[key], column.type) for tid, _h, _s, _o, _n, vals in plans if key in vals}
            return case(whens, value=Translation.id, else_=column) if whens else column

        hashes = {tid: literal(source_hash, Translation.source_hash.type) for tid, source_hash, *_rest in plans}
        states = {tid: literal(new_state.value, Translation.state.type) for tid, _h, _s, _o, new_state, _v in plans}
        statement = (
            update(Translation)
            .where(Translation.id.in_([plan[0] for plan in plans]), Translation.state == State.QUEUED.value,
                   Translation.source_hash == case(hashes, value=Translation.id))
            .values(state=case(states, value=Translation.id), **common, **{key: per_row(key) for key in keys})
        )
    return set(db.session.scalars(statement.returning(Translation.id).execution_options(synchronize_session=False)))


def fail_batch(article_id: int, lang: str, segment_ids: list[int], reason: str) -> int:
    """The engine gave up: mark what is still queued as failed, with the reason, for translators."""
    failed = db.session.scalars(
        update(Translation)
        .where(Translation.article_id == article_id, Translation.lang == lang,
               Translation.segment_id.in_(segment_ids), Translation.state == State.QUEUED.value)
        .values(state=State.FAILED.value, reason=reason, version=Translation.version + 1)
        .returning(Translation.segment_id)
        .execution_options(synchronize_session=False)
    ).all()
    for segment_id in failed:
        record("failed", article_id=article_id, segment_id=segment_id, lang=lang,
               old_state=State.QUEUED.value, new_state=State.FAILED.value, reason=reason)
    db.session.commit()
    return len(failed)


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
