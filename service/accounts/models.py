"""People who use the staff side, their role and the languages they may work on."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from service.extensions import Model
from service.timeutil import utcnow


class Role(StrEnum):
    TRANSLATOR = "translator"
    REVIEWER = "reviewer"
    EDITOR = "editor"
    ADMIN = "admin"


ROLES = tuple(r.value for r in Role)


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    # Comma-separated language codes; empty means every language (editors, admins).
    languages: Mapped[str] = mapped_column(String(200), default="")
    ui_locale: Mapped[str | None] = mapped_column(String(10))
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
