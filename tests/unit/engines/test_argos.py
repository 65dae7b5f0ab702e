"""Argos Translate: in-process, so no HTTP contract; a stand-in module plays argostranslate."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable

import pytest

from service.translation.machinery import EngineError, get_engine
from service.translation.machinery.argos import ArgosEngine
from tests.unit.engines.servers import llm_transform


class Language:
    def __init__(self, code: str, pairs: dict[str, Callable[[str], str]]) -> None:
        self.code, self.pairs = code, pairs

    def get_translation(self, to: Language) -> object | None:
        model = self.pairs.get(to.code)
        return types.SimpleNamespace(translate=model) if model else None


def install_fake_argos(monkeypatch: pytest.MonkeyPatch, model: Callable[[str], str]) -> list[str]:
    calls: list[str] = []

    def translate(text: str) -> str:
        calls.append(text)
        return model(text)

    languages = [Language("en", {"ru": translate}), Language("ru", {}), Language("de", {})]
    package = types.ModuleType("argostranslate")
    module = types.ModuleType("argostranslate.translate")
    module.get_installed_languages = lambda: languages  # type: ignore[attr-defined]
    package.translate = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "argostranslate", package)
    monkeypatch.setitem(sys.modules, "argostranslate.translate", module)
    return calls


def test_not_installed_is_a_clear_permanent_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "argostranslate", None)  # import fails, installed or not
    with pytest.raises(EngineError, match="argostranslate is not installed") as exc:
        get_engine("argos").translate(["Hello."], "en", "ru")
    assert not exc.value.retryable


def test_missing_language_model_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_argos(monkeypatch, str.upper)
    for source, target in (("en", "de"), ("en", "fr")):
        with pytest.raises(EngineError, match=f"argos: no model installed for {source}→{target}") as exc:
            ArgosEngine().translate(["Hello."], source, target)
        assert not exc.value.retryable


def test_translates_whole_texts_keeping_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = install_fake_argos(monkeypatch, llm_transform)
    assert ArgosEngine().translate(["Keep {1}this{/1} here{2/}.", "Plain."], "en", "ru-RU") == [
        "KEEP {1}THIS{/1} HERE{2/}.", "PLAIN."]
    assert calls == ["Keep <x1>this</x1> here<x2/>.", "Plain."]


def test_mangled_markers_fall_back_to_translating_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def model(text: str) -> str:
        return text.replace("<x1>", "< x 1 >").upper()

    calls = install_fake_argos(monkeypatch, model)
    assert ArgosEngine().translate(["Keep {1}this link{/1} here."], "en", "ru") == ["KEEP {1}THIS LINK{/1} HERE."]
    assert calls == ["Keep <x1>this link</x1> here.", "Keep", "this link", "here."]
