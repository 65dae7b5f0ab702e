"""Registry of machine-translation engines, chosen by ``TRANSDESK_MT_ENGINE``.

``ENGINES`` are built in and need no configuration; ``PROVIDERS`` call a translation service or
model and take their settings from configuration (``settings_from_config``). Both are plugins on
``Engine``; a missing URL or key is an ``InvalidInput`` naming its ``TRANSDESK_…`` variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.errors import InvalidInput
from service.translation.machinery.argos import ArgosEngine
from service.translation.machinery.base import Engine, EngineError
from service.translation.machinery.deepl import DeepLEngine
from service.translation.machinery.google import GoogleEngine
from service.translation.machinery.libretranslate import LibreTranslateEngine
from service.translation.machinery.openai import OpenAIEngine
from service.translation.machinery.pseudo import NoneEngine, PseudoEngine

ENGINES: dict[str, type[Engine]] = {cls.name: cls for cls in (PseudoEngine, NoneEngine)}
PROVIDERS: dict[str, type[Engine]] = {
    cls.name: cls for cls in (LibreTranslateEngine, DeepLEngine, GoogleEngine, OpenAIEngine, ArgosEngine)
}
# Named in the interface but not yet implemented: none left.
PLANNED: tuple[str, ...] = ()


def engine_class(name: str) -> type[Engine]:
    cls = ENGINES.get(name) or PROVIDERS.get(name)
    if cls is None:
        if name in PLANNED:
            raise InvalidInput(f"MT engine {name!r} is not available in this build yet")
        known = ", ".join(sorted({*ENGINES, *PROVIDERS}))
        raise InvalidInput(f"unknown MT engine {name!r} (known: {known})")
    return cls


def settings_from_config(name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """An engine's settings from app configuration (``TRANSDESK_…`` keys); secrets only for their engine."""
    cls = ENGINES.get(name) or PROVIDERS.get(name)
    keys = cls.config_keys if cls else {}
    return {setting: config.get("TRANSDESK_" + key) for setting, key in keys.items()}


def get_engine(name: str, settings: dict[str, Any] | None = None) -> Engine:
    return engine_class(name)(settings)


__all__ = ["ENGINES", "PROVIDERS", "Engine", "EngineError", "get_engine", "settings_from_config"]
