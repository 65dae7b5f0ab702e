"""Language versions of an article and their immutable published snapshots."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.articles.models import Article
from service.extensions import Model
from service.timeutil import utcnow


class VersionStatus(StrEnum):
    """Stored in ``language_versions.status``, except READY, which is derived (see services.version_state):
    an in-progress version whose gate passes."""

    IN_PROGRESS = "in_progress"
    READY = "ready"
    PUBLISHED = "published"
    OUTDATED = "outdated"  # published, but the source changed since: readers still get the snapshot


LIVE_STATUSES = (VersionStatus.PUBLISHED.value, VersionStatus.OUTDATED.value)


class LanguageVersion(Model):
    __tablename__ = "language_versions"
    __table_args__ = (UniqueConstraint("article_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(10))
    is_source: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=VersionStatus.IN_PROGRESS.value)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()

    article: Mapped[Article] = relationship()
    snapshot: Mapped[Snapshot | None] = relationship(foreign_keys=[snapshot_id])

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED and self.snapshot_id is not None

    @property
    def is_live(self) -> bool:
        """Readers get a snapshot: published, or published and since outdated by a source change."""
        return self.status in LIVE_STATUSES and self.snapshot_id is not None


class Snapshot(Model):
    """What readers get for one language at one publish; never updated after insert."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # the assembled article, without the site layout
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    forced: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
