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
