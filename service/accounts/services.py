"""Accounts: create people, log them in, issue API tokens."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select

from service import languages
from service.accounts.models import ROLES, User
from service.errors import InvalidInput
from service.extensions import db

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def create_user(email: str, role: str, password: str, *, languages_: str | list[str] | None = None,
                name: str = "") -> User:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise InvalidInput(f"invalid e-mail address {email!r}")
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r} (use {', '.join(ROLES)})")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD} characters")
    if db.session.scalar(select(User.id).filter_by(email=email)) is not None:
        raise InvalidInput(f"a user {email!r} already exists")
    user = User(email=email, role=role, name=name, languages=",".join(languages.validate_list(languages_)))
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).filter_by(email=(email or "").strip().lower()))
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


def issue_token(user: User) -> str:
    """A new API token; only its hash is stored, so it is shown once."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = User.hash_token(token)
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    user = db.session.scalar(select(User).filter_by(api_token_hash=User.hash_token(token)))
    return user if user is not None and user.active else None


def ui_languages() -> list[str]:
    from flask import current_app

    return [c.strip() for c in str(current_app.config["TRANSDESK_LANGUAGES"]).split(",") if c.strip()]


def set_ui_locale(user: User, code: str) -> None:
    """An empty code goes back to following the browser's Accept-Language."""
    code = code.strip()
    if code and code not in ui_languages():
        raise InvalidInput(f"the interface is not available in {code!r}")
    user.ui_locale = code or None
    db.session.commit()
