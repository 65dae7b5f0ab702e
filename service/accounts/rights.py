"""Who may do what: checked in the service layer, so views, API and CLI share one rule."""

from __future__ import annotations

from typing import Any

from service.accounts.models import Role
from service.errors import Forbidden

# Translators and reviewers work only on the languages they are given; editors and admins on every
# language unless they are limited to a list.
LANGUAGE_BOUND = {Role.TRANSLATOR, Role.REVIEWER}
EDIT_ROLES = {Role.TRANSLATOR, Role.REVIEWER, Role.EDITOR, Role.ADMIN}
REVIEW_ROLES = {Role.REVIEWER, Role.EDITOR, Role.ADMIN}
PUBLISH_ROLES = {Role.EDITOR, Role.ADMIN}
IMPORT_ROLES = {Role.EDITOR, Role.ADMIN}


def has_language(user: Any, lang: str) -> bool:
    langs = user.language_list
    if not langs:
        return user.role not in LANGUAGE_BOUND
    return lang in langs


def can_edit(user: Any, lang: str) -> bool:
    return bool(user and user.is_authenticated and user.role in EDIT_ROLES and has_language(user, lang))


def can_review(user: Any, lang: str) -> bool:
    return bool(user and user.is_authenticated and user.role in REVIEW_ROLES and has_language(user, lang))


def can_publish(user: Any, lang: str) -> bool:
    return bool(user and user.is_authenticated and user.role in PUBLISH_ROLES and has_language(user, lang))


def can_import(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.role in IMPORT_ROLES)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)
