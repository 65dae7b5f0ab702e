"""Per-language policy: which translation-memory matches the pipeline may approve without a person.

The policy lives in a table (``tm_policies``), not in configuration: editors change it while the service
runs (``transdesk tm policy ru --auto-approve in_context``), every worker sees the change on its next batch
without a restart, and each change leaves a history row (who made approvals automatic, and when). A language
without a row is ``off``: nothing reaches readers unreviewed unless someone chose so.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from service import languages
from service.errors import InvalidInput
from service.extensions import Model, db
from service.history import record
from service.timeutil import utcnow


class AutoApprove(StrEnum):
    OFF = "off"
    IN_CONTEXT = "in_context"  # exact matches whose previous and next segments are the same as in the memory
    EXACT = "exact"  # every exact (100%) match, in context or not


class TMPolicy(Model):
    __tablename__ = "tm_policies"

    lang: Mapped[str] = mapped_column(String(10), primary_key=True)  # target language
    auto_approve: Mapped[str] = mapped_column(String(12), default=AutoApprove.OFF.value)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def auto_approve(lang: str) -> AutoApprove:
    value = db.session.scalar(select(TMPolicy.auto_approve).where(TMPolicy.lang == lang))
    return AutoApprove(value) if value else AutoApprove.OFF


def allows(policy: AutoApprove, *, in_context: bool) -> bool:
    """Whether an exact match (in context or not) may be approved under ``policy``."""
    return policy is AutoApprove.EXACT or (policy is AutoApprove.IN_CONTEXT and in_context)


def set_auto_approve(lang: str, value: str, *, user_id: int | None = None) -> TMPolicy:
    """Change one language's policy (validated, recorded in the history) and commit."""
    code = languages.validate(lang)
    try:
        policy = AutoApprove(value.strip().lower())
    except ValueError:
        choices = ", ".join(p.value for p in AutoApprove)
        raise InvalidInput(f"unknown auto-approve policy {value!r} (choose from {choices})") from None
    row = db.session.get(TMPolicy, code)
    old = row.auto_approve if row is not None else AutoApprove.OFF.value
    if row is None:
        row = TMPolicy(lang=code, auto_approve=policy.value)
        db.session.add(row)
    row.auto_approve = policy.value
    record("tm_policy", lang=code, user_id=user_id, old_auto_approve=old, auto_approve=policy.value)
    db.session.commit()
    return row


def policies() -> list[TMPolicy]:
    return list(db.session.scalars(select(TMPolicy).order_by(TMPolicy.lang)))
