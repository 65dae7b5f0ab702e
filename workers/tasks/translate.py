"""Pre-translation tasks: one task per (article, language, batch of segments)."""

from __future__ import annotations

import logging
import random

from celery import Task, shared_task
from flask import current_app

from service.extensions import db
from service.translation import pipeline
from service.translation.machinery import EngineError

log = logging.getLogger(__name__)


def backoff(retries: int) -> float:
    """Exponential backoff with full jitter, capped at five minutes."""
    base = float(current_app.config["TRANSDESK_RETRY_BACKOFF"])
    return random.uniform(0, min(300.0, base * 2.0**retries))


@shared_task(bind=True, name="transdesk.translate_batch", ignore_result=True, acks_late=True,
             reject_on_worker_lost=True)
def translate_batch(self: Task, *, article_id: int, lang: str, segment_ids: list[int]) -> int:
    try:  # translate_batch counts the attempt (committed before the engine call) as it reads the batch
        return pipeline.translate_batch(article_id, lang, segment_ids)
    except EngineError as exc:
        db.session.rollback()
        max_retries = int(current_app.config["TRANSDESK_TASK_MAX_RETRIES"])
        if exc.retryable and self.request.retries < max_retries:
            log.warning("batch %s/%s failed (%s); retry %d", article_id, lang, exc, self.request.retries + 1)
            # A provider's Retry-After or an open circuit says how long to wait; else backoff with jitter.
            wait = getattr(exc, "retry_after", None) or backoff(self.request.retries)
            raise self.retry(exc=exc, countdown=wait, max_retries=max_retries) from exc
        reason = str(exc) if not exc.retryable else f"{exc} (gave up after {self.request.retries + 1} attempts)"
        return -pipeline.fail_batch(article_id, lang, segment_ids, reason)
