"""Errors that reach users: one clear message, a stable code, and an HTTP status for the API."""

from __future__ import annotations


class TransdeskError(Exception):
    """Base for expected, user-facing failures (bad input, missing objects, refused actions)."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class InvalidInput(TransdeskError):
    code = "invalid_input"
    status = 400


class ImportFailed(InvalidInput):
    """The source cannot be turned into an article (empty, binary, no article, too large...)."""

    code = "import_failed"
    status = 422


class TooLarge(ImportFailed):
    code = "too_large"
    status = 413


class NotFound(TransdeskError):
    code = "not_found"
    status = 404


class Forbidden(TransdeskError):
    code = "forbidden"
    status = 403


class Conflict(TransdeskError):
    code = "conflict"
    status = 409
