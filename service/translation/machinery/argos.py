"""Argos Translate, offline and in-process (the optional ``argos`` extra; models installed apart).

argostranslate is imported on first use so that the service runs without it. Its models translate
plain text: a text is first translated whole with its markers; when the model mangles them, the
runs between markers are translated one by one, which keeps every marker at some cost in fluency.
"""

from __future__ import annotations

import importlib
from typing import Any

from service.translation.machinery.base import MARKER, Engine, EngineError


def load_translation(source: str, target: str) -> Any:
    try:
        translate = importlib.import_module("argostranslate.translate")
    except ImportError:
        raise EngineError("argos: argostranslate is not installed (pip install 'transdesk[argos]')",
                          retryable=False) from None
    languages = {language.code: language for language in translate.get_installed_languages()}
    translation = None
    if source in languages and target in languages:
        try:
            translation = languages[source].get_translation(languages[target])
        except Exception:  # argos versions signal a missing pair differently (None or an exception)
            translation = None
    if translation is None:
        raise EngineError(f"argos: no model installed for {source}→{target}", retryable=False)
    return translation


def markers(text: str) -> list[str]:
    return [m.group(0) for m in MARKER.finditer(text)]


class ArgosEngine(Engine):
    name = "argos"
    label = "Argos Translate (offline)"
    batch_size = 50
    max_chars = 20_000

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        translation = load_translation(source.split("-")[0], target.split("-")[0])
        return [self.one(translation, text) for text in texts]

    @staticmethod
    def one(translation: Any, text: str) -> str:
        whole = str(translation.translate(text))
        if sorted(markers(whole)) == sorted(markers(text)):  # order may change with word order
            return whole
        parts = MARKER.split(text)
        out: list[str] = []
        for index in range(0, len(parts), 4):
            run = parts[index]
            # Keep the spaces around a run: models strip them, and they separate words from markers.
            core = run.strip()
            if core:
                lead, trail = run[: len(run) - len(run.lstrip())], run[len(run.rstrip()):]
                out.append(lead + str(translation.translate(core)) + trail)
            else:
                out.append(run)
            if index + 3 < len(parts):
                out.append(f"<{parts[index + 1]}x{parts[index + 2]}{parts[index + 3]}>")
        return "".join(out)
