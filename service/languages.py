"""Language codes and names, all from Babel's CLDR data (no hand-made tables)."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from service.errors import InvalidInput

RTL_SCRIPTS = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg"}


@lru_cache(maxsize=256)
def _locale(code: str) -> Locale:
    return Locale.parse(code.replace("-", "_"))


def validate(code: str) -> str:
    """A language code CLDR knows, normalized (``RU`` → ``ru``, ``pt-br`` → ``pt-BR``); else InvalidInput."""
    cleaned = (code or "").strip()
    try:
        locale = _locale(cleaned)
    except (UnknownLocaleError, ValueError, TypeError):
        raise InvalidInput(f"unknown language code {code!r}") from None
    if not cleaned or locale.language != cleaned.split("-")[0].split("_")[0].lower():
        raise InvalidInput(f"unknown language code {code!r}")
    return str(locale).replace("_", "-")


def validate_list(codes: str | list[str] | None) -> list[str]:
    if not codes:
        return []
    items = codes.split(",") if isinstance(codes, str) else codes
    out: list[str] = []
    for item in items:
        if item.strip():
            code = validate(item)
            if code not in out:
                out.append(code)
    return out


def native_name(code: str) -> str:
    locale = _locale(code)
    return locale.get_display_name(locale) or code


def english_name(code: str) -> str:
    return _locale(code).get_display_name("en") or code


def direction(code: str) -> str:
    return "rtl" if _locale(code).character_order == "right-to-left" else "ltr"


def og_locale(code: str) -> str:
    """``ru`` → ``ru_RU``: Open Graph wants language_TERRITORY; CLDR's likely subtags give the territory."""
    locale = _locale(code)
    if locale.territory:
        return f"{locale.language}_{locale.territory}"
    subtags = get_global("likely_subtags").get(locale.language, "")
    territory = subtags.split("_")[-1] if subtags else ""
    return f"{locale.language}_{territory}" if territory else locale.language
