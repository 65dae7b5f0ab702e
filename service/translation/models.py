"""One row per segment and target language: the translation and its workflow state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.articles.models import Segment
from service.extensions import Model
from service.timeutil import utcnow
from service.translation.states import State


class Translation(Model):
    __tablename__ = "translations"
    __table_args__ = (
        UniqueConstraint("segment_id", "lang"),
        Index("ix_translations_article_lang_state", "article_id", "lang", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20), default=State.UNTRANSLATED.value)
    text: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(String(10))  # mt | tm | human
    engine: Mapped[str | None] = mapped_column(String(40))  # e.g. "pseudo"; recorded for every MT draft
    mt_text: Mapped[str | None] = mapped_column(Text)  # the machine draft as delivered, kept for review
    version: Mapped[int] = mapped_column(default=1)  # optimistic locking: every write bumps it
    source_hash: Mapped[str] = mapped_column(String(64))  # the source this row was translated from
    reason: Mapped[str | None] = mapped_column(Text)  # why the engine gave up (state failed)
    # Links retargeted for this language (placeholder number → href); see service/translation/links.py.
    link_targets: Mapped[dict[str, str] | None] = mapped_column(JSON)
    queued_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    segment: Mapped[Segment] = relationship()

    @property
    def is_pseudo(self) -> bool:
        return self.origin == "mt" and self.engine == "pseudo"
