"""Source articles, their blocks (the template) and their segments (what gets translated)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.extensions import Model
from service.timeutil import utcnow


class Article(Model):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    source_lang: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    dek: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column()  # the original publication, naive UTC
    published_tz: Mapped[str | None] = mapped_column(String(6))  # its UTC offset, e.g. "-04:00"
    canonical_url: Mapped[str | None] = mapped_column(String(2000))
    source_name: Mapped[str | None] = mapped_column(String(2000))  # file name or URL it came from
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    blocks: Mapped[list[Block]] = relationship(
        back_populates="article", order_by="Block.position", cascade="all, delete-orphan"
    )
    segments: Mapped[list[Segment]] = relationship(
        back_populates="article", order_by="Segment.position", cascade="all, delete-orphan"
    )


class Block(Model):
    """One block of the source (title, paragraph, caption...): gaps + segment slots rebuild its HTML."""

    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("article_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    path: Mapped[str] = mapped_column(String(200))
    html: Mapped[str] = mapped_column(Text)  # sanitized source HTML of the block's content
    gaps: Mapped[list[str]] = mapped_column(JSON)  # len(segments) + 1 strings between the segments
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    article: Mapped[Article] = relationship(back_populates="blocks")
    segments: Mapped[list[Segment]] = relationship(back_populates="block", order_by="Segment.position")


class Segment(Model):
    """A sentence (or a short block) with inline tags as numbered placeholders."""

    __tablename__ = "segments"
    __table_args__ = (Index("ix_segments_article_position", "article_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()  # order in the article
    index_in_block: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    tags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_hash: Mapped[str] = mapped_column(String(64))

    article: Mapped[Article] = relationship(back_populates="segments")
    block: Mapped[Block] = relationship(back_populates="segments")
