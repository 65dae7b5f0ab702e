"""The queue side of the pipeline: messages leave only after commit; the `none` engine; the reconciler."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.factories import import_sample

pytestmark = pytest.mark.integration


def queued_messages(queue: str) -> int:
    """Messages waiting in ``queue`` on the test broker, read from the broker itself."""
    # From the environment conftest set up (importing conftest again would give a second copy of it).
    url = os.environ["TRANSDESK_BROKER_URL"]
    if url.startswith("redis://"):
        import redis

        return int(redis.Redis.from_url(url).llen(os.environ["TRANSDESK_BROKER_KEY_PREFIX"] + queue))
    folder = Path(os.environ["TRANSDESK_INSTANCE_PATH"]) / "broker" / "queue"
    return sum(1 for name in os.listdir(folder) if name.endswith(f".{queue}.msg"))


def test_jobs_are_sent_only_after_commit_and_dropped_on_rollback(committed: Any) -> None:
    from service import jobs
    from service.extensions import db

    queue = f"test-{uuid.uuid4().hex[:8]}"  # no worker listens here, so the messages stay countable
    jobs.enqueue("transdesk.noop", queue=queue, n=1)
    assert queued_messages(queue) == 0  # nothing leaves before the commit
    db.session.rollback()
    db.session.commit()
    assert queued_messages(queue) == 0  # the rolled-back message was dropped

    jobs.enqueue("transdesk.noop", queue=queue, n=2)
    jobs.enqueue("transdesk.noop", queue=queue, n=3)
    assert queued_messages(queue) == 0
    db.session.commit()
    deadline = time.monotonic() + 5
    while queued_messages(queue) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert queued_messages(queue) == 2


def test_none_engine_leaves_segments_for_people(db: Any, app: Any) -> None:
    from sqlalchemy import select

    from service.history import Event
    from service.translation import pipeline
    from service.translation.models import Translation

    article = import_sample(languages=["ru"])
    ids = [s.id for s in article.segments]
    app.config["TRANSDESK_MT_ENGINE"] = "none"
    try:
        assert pipeline.translate_batch(article.id, "ru", ids) == len(ids)
    finally:
        app.config["TRANSDESK_MT_ENGINE"] = "pseudo"
    rows = db.session.scalars(select(Translation).filter_by(article_id=article.id, lang="ru")).all()
    assert {r.state for r in rows} == {"untranslated"}
    assert all(r.text is None and r.engine is None for r in rows)
    events = db.session.scalars(select(Event).filter_by(article_id=article.id, action="no_mt")).all()
    assert len(events) == len(ids)


def test_reconciler_requeues_stuck_work_and_leaves_fresh_work(db: Any) -> None:
    from datetime import timedelta

    from sqlalchemy import select, update

    from service.timeutil import utcnow
    from service.translation import pipeline
    from service.translation.models import Translation

    article = import_sample(languages=["ru"])
    stuck = [s.id for s in article.segments[:5]]
    db.session.execute(update(Translation).where(Translation.segment_id.in_(stuck))
                       .values(queued_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    assert pipeline.reconcile(stuck_after=600) == 5
    rows = db.session.scalars(select(Translation).where(Translation.segment_id.in_(stuck))).all()
    assert all(r.state == "queued" and r.queued_at > utcnow() - timedelta(minutes=1) for r in rows)
    assert pipeline.reconcile(stuck_after=600) == 0  # just re-sent: not stuck any more


def test_batch_size_is_the_setting_else_the_engines_request_size(app: Any) -> None:
    from service.translation import pipeline
    from service.translation.machinery import engine_class

    saved = (app.config["TRANSDESK_MT_BATCH_SIZE"], app.config["TRANSDESK_MT_ENGINE"])
    with app.app_context():
        try:
            app.config["TRANSDESK_MT_BATCH_SIZE"] = 0
            for name in ("pseudo", "libretranslate", "deepl"):
                app.config["TRANSDESK_MT_ENGINE"] = name
                assert pipeline.batch_size() == engine_class(name).batch_size
            assert engine_class("pseudo").batch_size != engine_class("libretranslate").batch_size
            app.config["TRANSDESK_MT_BATCH_SIZE"] = 7
            assert pipeline.batch_size() == 7
        finally:
            app.config["TRANSDESK_MT_BATCH_SIZE"], app.config["TRANSDESK_MT_ENGINE"] = saved


def test_a_batch_counts_one_attempt_and_writes_only_rows_queued_for_the_current_source(db: Any) -> None:
    from sqlalchemy import select, update

    from service.articles.models import Segment
    from service.history import Event
    from service.translation import pipeline
    from service.translation.models import Translation

    article = import_sample(languages=["ru"])
    ids = [s.id for s in article.segments]
    edited = ids[0]  # its source changes after it was queued: the queued row must not be drafted
    db.session.execute(update(Segment).where(Segment.id == edited).values(source_hash="0" * 64))
    db.session.commit()

    assert pipeline.translate_batch(article.id, "ru", ids) == len(ids) - 1
    rows = {r.segment_id: r for r in db.session.scalars(select(Translation).filter_by(article_id=article.id))}
    assert rows[edited].state == "queued" and rows[edited].text is None
    assert {rows[i].state for i in ids[1:]} == {"draft"}
    assert {r.attempts for r in rows.values()} == {1}  # counted before the engine ran, the edited row too
    assert {r.version for r in rows.values() if r.state == "draft"} == {2}

    # Delivered again (a duplicate message): nothing is still queued for its source, nothing changes.
    assert pipeline.translate_batch(article.id, "ru", ids) == 0
    again = {r.segment_id: (r.state, r.text, r.version) for r in
             db.session.scalars(select(Translation).filter_by(article_id=article.id))}
    assert again == {i: (rows[i].state, rows[i].text, rows[i].version) for i in ids}
    drafts = db.session.scalars(select(Event.segment_id).filter_by(article_id=article.id, action="draft")).all()
    assert sorted(drafts) == sorted(ids[1:])  # one history row per draft written
