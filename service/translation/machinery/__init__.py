"""Registry of machine-translation engines, chosen by ``TRANSDESK_MT_ENGINE``."""

from __future__ import annotations

from typing import Any

from service.errors import InvalidInput
from service.translation.machinery.base import Engine, EngineError
from service.translation.machinery.pseudo import NoneEngine, PseudoEngine

ENGINES: dict[str, type[Engine]] = {cls.name: cls for cls in (PseudoEngine, NoneEngine)}
# Named in the interface; their provider clients arrive with the pipeline work (issue 4).
PLANNED = ("libretranslate", "deepl", "google", "argos", "openai")


def get_engine(name: str, settings: dict[str, Any] | None = None) -> Engine:
    try:
        return ENGINES[name](settings)
    except KeyError:
        if name in PLANNED:
            raise InvalidInput(f"MT engine {name!r} is not available in this build yet") from None
        raise InvalidInput(f"unknown MT engine {name!r} (known: {', '.join(sorted(ENGINES))})") from None


__all__ = ["ENGINES", "Engine", "EngineError", "get_engine"]
