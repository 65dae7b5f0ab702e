"""Machine-translation engines: pseudo-localization, placeholder safety and batching (no database)."""

from __future__ import annotations

import re

import pytest

from service.errors import InvalidInput
from service.translation.machinery import ENGINES, EngineError, get_engine
from service.translation.machinery.base import Engine, mask, unmask
from service.translation.machinery.pseudo import ACCENTED, NoneEngine, PseudoEngine

PLACEHOLDER = re.compile(r"\{/?\d+/?\}")
MAPPED = set("abcdeghiklnorstuyzABCDEGHIKLNORSTUYZ")
ACCENTED_LETTERS = set("åƀçđéĝĥíķļñóŕšţúýžÅƁÇĐÉĜĤÍĶĻÑÓŔŠŢÚÝŽ")
SENTENCES = [
    "Russian Foreign Minister Sergei Lavrov {1}recently announced{/1} that Russia was fine with it.",
    "According to Pashinyan, the countries have agreed on {1}13 of 16 points{/1} of the {2}draft{/2} deal.",
    "Recruits were supposedly being sent to a training camp in Russia.",
    "The {1}Report.az{/1} outlet quoted the spokesperson{2/} as saying so in a statement on Thursday.",
]


def plain(text: str) -> str:
    return PLACEHOLDER.sub("", text)


@pytest.fixture
def pseudo() -> PseudoEngine:
    return PseudoEngine()


def test_pseudo_keeps_placeholders_in_order(pseudo: PseudoEngine) -> None:
    outputs = pseudo.translate(SENTENCES, "en", "ru")
    assert len(outputs) == len(SENTENCES)
    for source, output in zip(SENTENCES, outputs, strict=True):
        assert output is not None
        assert PLACEHOLDER.findall(output) == PLACEHOLDER.findall(source)
        assert "<x" not in output  # the engine's markers were turned back into placeholders


def test_pseudo_output_is_bracketed_longer_and_accented(pseudo: PseudoEngine) -> None:
    for source, output in zip(SENTENCES, pseudo.translate(SENTENCES, "en", "ru"), strict=True):
        assert output is not None
        assert output.startswith("⟦") and output.endswith("⟧"), output
        growth = len(plain(output)) / len(plain(source))
        assert 1.25 <= growth <= 1.5, (growth, output)
        letters = set(plain(output))
        assert letters & ACCENTED_LETTERS, output
        assert not letters & MAPPED, letters & MAPPED  # every mappable letter was accented
        # Undoing the accents gives the source text back inside the brackets.
        undo = str.maketrans({v: k for k, v in ACCENTED.items()})
        assert output.translate(undo)[1:].startswith(source)


def test_pseudo_leaves_escaped_braces_and_text_without_tags(pseudo: PseudoEngine) -> None:
    [output] = pseudo.translate(["Literal {{braces}} stay"], "en", "ru")
    assert output is not None and "{{" in output and "}}" in output
    assert PLACEHOLDER.findall(output) == []


def test_mask_round_trip() -> None:
    text = "A {1}link{/1}, a break{2/} and {{literal}} braces"
    assert mask(text) == "A <x1>link</x1>, a break<x2/> and {{literal}} braces"
    assert unmask(mask(text)) == text


class DroppingEngine(Engine):
    name = "dropping"

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        return [re.sub(r"</?x1/?>", "", text) for text in texts]


class ReorderingEngine(Engine):
    name = "reordering"

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        return [text.replace("<x1>", "<x3>").replace("</x1>", "</x3>") for text in texts]


class ShortEngine(Engine):
    name = "short"

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        return texts[:-1]


def test_an_engine_that_drops_a_placeholder_fails_for_good() -> None:
    with pytest.raises(EngineError) as exc:
        DroppingEngine().translate(["Keep {1}this link{/1} please."], "en", "ru")
    assert exc.value.retryable is False
    assert "dropping" in str(exc.value)
    # Texts without that placeholder pass through the same engine untouched.
    assert DroppingEngine().translate(["No tags {2/} here."], "en", "ru") == ["No tags {2/} here."]


def test_an_engine_that_changes_a_placeholder_fails_for_good() -> None:
    with pytest.raises(EngineError) as exc:
        ReorderingEngine().translate(["Keep {1}this link{/1} please."], "en", "ru")
    assert exc.value.retryable is False


def test_an_engine_that_returns_too_few_results_may_be_retried() -> None:
    with pytest.raises(EngineError) as exc:
        ShortEngine().translate(["One.", "Two."], "en", "ru")
    assert exc.value.retryable is True


class RecordingEngine(Engine):
    name = "recording"
    batch_size = 3
    max_chars = 20

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[list[str]] = []

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        self.requests.append(list(texts))
        return [f"[{text}]" for text in texts]


def test_chunks_respect_batch_size_and_max_chars() -> None:
    engine = RecordingEngine()
    texts = ["a" * n for n in (1, 2, 3, 4, 15, 5, 6, 25, 1, 1, 1, 1, 1, 19, 1)]
    groups = list(engine.chunks(texts))
    assert [i for group in groups for i in group] == list(range(len(texts)))  # every text once, in order
    for group in groups:
        assert 1 <= len(group) <= engine.batch_size
        # A text longer than max_chars travels alone; otherwise a group stays within the limit.
        assert len(group) == 1 or sum(len(texts[i]) for i in group) <= engine.max_chars
    assert groups == [[0, 1, 2], [3, 4], [5, 6], [7], [8, 9, 10], [11, 12], [13, 14]]


def test_translate_sends_one_request_per_chunk() -> None:
    engine = RecordingEngine()
    texts = [f"text {i} {{1}}x{{/1}}" for i in range(4)]
    assert engine.translate(texts, "en", "ru") == [f"[{text}]" for text in texts]
    # Every text is 15 characters ("text 0 {1}x{/1}"): two never fit in 20, so each goes alone, masked.
    assert engine.requests == [[f"text {i} <x1>x</x1>"] for i in range(4)]
    engine = RecordingEngine()
    assert engine.translate(["ab"] * 7, "en", "ru") == ["[ab]"] * 7
    assert [len(r) for r in engine.requests] == [3, 3, 1]


def test_none_engine_and_registry() -> None:
    assert NoneEngine().translate(["One {1}two{/1}."], "en", "ru") == [None]
    assert isinstance(get_engine("pseudo"), PseudoEngine)
    assert get_engine("pseudo", {"timeout": 3}).timeout == 3.0
    assert set(ENGINES) == {"pseudo", "none"}
    with pytest.raises(InvalidInput, match="not available"):
        get_engine("deepl")
    with pytest.raises(InvalidInput, match="unknown MT engine"):
        get_engine("nope")
