"""The engine registry, configuration wiring and the result cache's key."""

from __future__ import annotations

from typing import Any

import pytest

from service.config import DEFAULTS
from service.errors import InvalidInput
from service.translation.machinery import ENGINES, PROVIDERS, get_engine, settings_from_config
from service.translation.machinery.base import CACHE, EngineError, ResultCache
from service.translation.machinery.markup import escape_markup, restore_markers


def test_every_engine_is_registered_and_its_config_keys_exist() -> None:
    assert set(PROVIDERS) == {"libretranslate", "deepl", "google", "openai", "argos"}
    assert not set(ENGINES) & set(PROVIDERS)
    for cls in PROVIDERS.values():
        assert set(cls.config_keys.values()) <= set(DEFAULTS), cls.name
    with pytest.raises(InvalidInput, match="unknown MT engine 'nope'.*libretranslate"):
        get_engine("nope")


def test_settings_from_config_takes_only_that_engines_keys() -> None:
    config: dict[str, Any] = {f"TRANSDESK_{key}": value for key, value in DEFAULTS.items()}
    config.update(TRANSDESK_DEEPL_API_KEY="deepl-secret", TRANSDESK_GOOGLE_API_KEY="google-secret")
    assert settings_from_config("deepl", config) == {"url": "", "api_key": "deepl-secret"}
    assert settings_from_config("google", config) == {"url": "https://translation.googleapis.com",
                                                      "api_key": "google-secret"}
    assert settings_from_config("pseudo", config) == {}


def test_pipeline_passes_the_configured_engines_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from flask import Flask

    from service.translation import pipeline

    app = Flask(__name__)
    app.config.update({f"TRANSDESK_{key}": value for key, value in DEFAULTS.items()})
    app.config.update(TRANSDESK_MT_ENGINE="libretranslate", TRANSDESK_LIBRETRANSLATE_URL="http://lt:5000",
                      TRANSDESK_DEEPL_API_KEY="other-secret", TRANSDESK_MT_TIMEOUT=7.5)
    with app.app_context():
        settings = pipeline.engine_settings()
        engine = get_engine(pipeline.engine_name(), settings)
    assert settings == {"url": "http://lt:5000", "api_key": "", "timeout": 7.5}
    assert engine.timeout == 7.5


def test_cache_key_hashes_secrets_and_ignores_timeout() -> None:
    one = get_engine("deepl", {"api_key": "s3cret", "timeout": 1})
    two = get_engine("deepl", {"api_key": "s3cret", "timeout": 9})
    assert one.fingerprint() == two.fingerprint() and "s3cret" not in one.fingerprint()
    assert get_engine("deepl", {"api_key": "other"}).fingerprint() != one.fingerprint()


def test_lru_evicts_the_least_recently_used() -> None:
    cache = ResultCache(size=2)
    cache.put(("a",), "A")
    cache.put(("b",), "B")
    assert cache.get(("a",)) == "A"
    cache.put(("c",), "C")
    assert (cache.get(("a",)), cache.get(("b",)), cache.get(("c",))) == ("A", None, "C")
    assert len(cache) == 2 and CACHE.size > 1000


def test_retry_after_defaults_to_none() -> None:
    assert EngineError("x").retry_after is None
    assert EngineError("x", retry_after=3).retry_after == 3


@pytest.mark.parametrize(("answer", "restored"), [
    ("A<X2></X2>b", "A<x2/>b"),
    ("A<x2>b", "A<x2/>b"),
    ("A< x2 />b &amp; &#39;c&#39;", "A<x2/>b & 'c'"),
    ("<x1>A</x1><x2></x2>", "<x1>A</x1><x2/>"),
])
def test_markers_are_restored_from_html_rewrites(answer: str, restored: str) -> None:
    sent = "<x1>a</x1><x2/>"
    assert restore_markers(answer, sent) == restored
    assert escape_markup("a & <x1>b < c</x1>") == "a &amp; <x1>b &lt; c</x1>"
