"""History rows: every change to a translation, a publish or an override leaves one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.accounts.models import User
from service.extensions import Model, db
from service.timeutil import utcnow


class Event(Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_segment_lang", "segment_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    lang: Mapped[str | None] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    old_state: Mapped[str | None] = mapped_column(String(20))
    new_state: Mapped[str | None] = mapped_column(String(20))
    old_text: Mapped[str | None] = mapped_column(Text)
    new_text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()


def record(action: str, *, article_id: int | None = None, segment_id: int | None = None,
           lang: str | None = None, user_id: int | None = None, old_state: str | None = None,
           new_state: str | None = None, old_text: str | None = None, new_text: str | None = None,
           **data: Any) -> Event:
    """Add a history row to the current session; it commits with the change it describes."""
    event = Event(action=action, article_id=article_id, segment_id=segment_id, lang=lang, user_id=user_id,
                  old_state=old_state, new_state=new_state, old_text=old_text, new_text=new_text, data=data)
    db.session.add(event)
    return event
