"""Enqueue background work by task name, only after the surrounding transaction commits.

``after_commit`` is the general form: publishing uses it to tell this process that what is live changed.

``service`` never imports ``workers``: it names tasks and lets the broker carry them. Messages are
held in the session until ``after_commit`` so that a worker never sees ids that are not yet in the
database, and a rollback drops them. If the broker is unreachable at that moment the database still
says ``queued`` and the periodic reconciler sends the work again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from service.extensions import db

log = logging.getLogger(__name__)
PENDING = "transdesk_after_commit"

QUEUES = ("breaking", "normal", "backfill")  # breaking news first, backfill last
PRIORITY_QUEUES = {"high": "breaking", "normal": "normal", "low": "backfill"}

TRANSLATE_BATCH = "transdesk.translate_batch"
RECONCILE = "transdesk.reconcile"


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction commits; a rollback drops it."""
    session = db.session()
    if not session.in_transaction():
        # Tie the callback to a transaction even before any SQL ran, so that a rollback drops it.
        session.begin()
    session.info.setdefault(PENDING, []).append(callback)


def enqueue(task_name: str, *, queue: str = "normal", **kwargs: Any) -> None:
    after_commit(lambda: _send_or_leave(task_name, queue, kwargs))


def _send_or_leave(task_name: str, queue: str, kwargs: dict[str, Any]) -> None:
    try:
        send_now(task_name, queue=queue, **kwargs)
    except Exception:  # the reconciler re-sends work the database still holds as queued
        log.exception("could not send %s to the broker; the reconciler will retry", task_name)


def send_now(task_name: str, *, queue: str = "normal", **kwargs: Any) -> None:
    current_app.extensions["celery"].send_task(task_name, kwargs=kwargs, queue=queue)


@event.listens_for(Session, "after_commit")
def _run_pending(session: Session) -> None:
    for callback in session.info.pop(PENDING, []):
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction: object) -> None:
    # "soft": fires even when no SQL ran yet; a rolled-back savepoint inside a live transaction keeps them.
    if not session.in_transaction():
        session.info.pop(PENDING, None)
