"""Periodic housekeeping run by beat."""

from __future__ import annotations

from celery import shared_task

from service.translation import pipeline


@shared_task(name="transdesk.reconcile", ignore_result=True)
def reconcile() -> int:
    """Re-enqueue work left queued past the deadline (a lost message, a broker restart)."""
    return pipeline.reconcile()
