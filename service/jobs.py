"""Enqueue background work by task name, only after the surrounding transaction commits.

``service`` never imports ``workers``: it names tasks and lets the broker carry them. Messages are
held in the session until ``after_commit`` so that a worker never sees ids that are not yet in the
database, and a rollback drops them. If the broker is unreachable at that moment the database still
says ``queued`` and the periodic reconciler sends the work again.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from service.extensions import db

log = logging.getLogger(__name__)
PENDING = "transdesk_pending_jobs"

QUEUES = ("breaking", "normal", "backfill")  # breaking news first, backfill last
PRIORITY_QUEUES = {"high": "breaking", "normal": "normal", "low": "backfill"}

TRANSLATE_BATCH = "transdesk.translate_batch"
RECONCILE = "transdesk.reconcile"


def enqueue(task_name: str, *, queue: str = "normal", **kwargs: Any) -> None:
    session = db.session()
    if not session.in_transaction():
        # Tie the message to a transaction even before any SQL ran, so that a rollback drops it.
        session.begin()
    session.info.setdefault(PENDING, []).append((task_name, queue, kwargs))


def send_now(task_name: str, *, queue: str = "normal", **kwargs: Any) -> None:
    current_app.extensions["celery"].send_task(task_name, kwargs=kwargs, queue=queue)


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, [])
    for task_name, queue, kwargs in pending:
        try:
            send_now(task_name, queue=queue, **kwargs)
        except Exception:  # the reconciler re-sends work the database still holds as queued
            log.exception("could not send %s to the broker; the reconciler will retry", task_name)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction: object) -> None:
    # "soft": fires even when no SQL ran yet; a rolled-back savepoint inside a live transaction keeps them.
    if not session.in_transaction():
        session.info.pop(PENDING, None)
