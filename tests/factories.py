"""Small factories for tests: people and the imported sample."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import SAMPLE

PASSWORD = "correct-horse-battery"


def make_user(email: str, role: str, languages: str = "") -> Any:
    from service.accounts import services

    return services.create_user(email, role, PASSWORD, languages_=languages)


def import_sample(languages: list[str] | None = None, **kwargs: Any) -> Any:
    from service.articles import ingest, services

    parsed = ingest.parse_source(SAMPLE.read_bytes(), filename=SAMPLE.name)
    return services.create_article(parsed, services.ImportRequest(languages=languages or [], **kwargs))


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def fake_translation(source: str, n: int) -> str:
    """A Russian text that keeps every placeholder and number of the source, in order (so QA passes)."""
    numbers = re.findall(r"\d+", re.sub(r"\{/?\d+/?\}", "", source))
    text = f"Перевод сегмента {n}" + "".join(f" {number}" for number in numbers)
    for token in re.findall(r"\{/?\d+/?\}", source):
        if token.startswith("{/") or token.endswith("/}"):
            text += token
        else:
            text += f" {token}ссылка {token[1:-1]}"
    return text + "."


# Tag chips as the review UI renders {1} and {/1} outside a request (English spoken names).
CHIP_OPEN_1 = '<span class="tag tag-open" title="{1}" role="img" aria-label="start of tag 1">1</span>'
CHIP_CLOSE_1 = '<span class="tag tag-close" title="{/1}" role="img" aria-label="end of tag 1">/1</span>'
