"""One row per glossary term and language pair."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import Model
from service.timeutil import utcnow

MAX_TERM = 200


class GlossaryTerm(Model):
    __tablename__ = "glossary_terms"
    __table_args__ = (
        # One row per pair, source term and target term: a source term may have several accepted (or
        # forbidden) translations, but never the same one twice.
        UniqueConstraint("source_lang", "target_lang", "source", "target", name="uq_glossary_terms_pair_term"),
        Index("ix_glossary_terms_pair", "source_lang", "target_lang"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_lang: Mapped[str] = mapped_column(String(10))
    target_lang: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(MAX_TERM))
    target: Mapped[str] = mapped_column(String(MAX_TERM))
    notes: Mapped[str] = mapped_column(Text, default="")
    # A forbidden target must not be used for the source term (QA error); otherwise it is the wanted one.
    forbidden: Mapped[bool] = mapped_column(Boolean, default=False)
    case_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "source_lang": self.source_lang, "target_lang": self.target_lang,
                "source": self.source, "target": self.target, "notes": self.notes, "forbidden": self.forbidden,
                "case_sensitive": self.case_sensitive}
