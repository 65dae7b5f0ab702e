"""One HTTP call to a provider, with a timeout, and its failures mapped to ``EngineError``.

429 and 5xx and network trouble are retryable (429 carries ``retry_after``); other 4xx mean bad
credentials, quota or request and are not; a body that is not what the provider documents is
retryable (a proxy's error page, a truncated answer). Messages never include the URL or the
requests exception text: Google takes its key in the query string.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from service.translation.machinery.base import EngineError


def retry_after(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def provider_message(response: requests.Response) -> str:
    """The provider's own error text, if its body has one (``error``, ``error.message``, ``message``)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error", body.get("message", ""))
    if isinstance(error, dict):
        error = error.get("message", "")
    return str(error)[:200]


def post_json(engine: str, url: str, payload: Any, *, timeout: float, headers: Mapping[str, str] | None = None,
              params: Mapping[str, str] | None = None, statuses: Mapping[int, str] | None = None) -> Any:
    """POST JSON and return the decoded JSON answer. ``statuses`` names provider-specific codes."""
    host = urlsplit(url).netloc
    try:
        response = requests.post(url, json=payload, headers=dict(headers or {}), params=dict(params or {}),
                                 timeout=timeout)
    except requests.Timeout:
        raise EngineError(f"{engine}: no answer from {host} within {timeout:g}s") from None
    except requests.ConnectionError:
        raise EngineError(f"{engine}: cannot connect to {host}") from None
    except requests.RequestException as exc:
        raise EngineError(f"{engine}: request to {host} failed ({exc.__class__.__name__})") from None
    status = response.status_code
    if status >= 400:
        detail = (statuses or {}).get(status) or provider_message(response) or response.reason or ""
        message = f"{engine}: HTTP {status} from {host}" + (f": {detail}" if detail else "")
        if status == 429:
            raise EngineError(message, retry_after=retry_after(response.headers.get("Retry-After")))
        raise EngineError(message, retryable=status >= 500)
    try:
        return response.json()
    except ValueError:
        raise EngineError(f"{engine}: malformed response from {host} (not JSON)") from None


def malformed(engine: str, what: str) -> EngineError:
    return EngineError(f"{engine}: malformed response ({what})")
