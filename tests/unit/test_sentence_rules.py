from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.articles import ingest
from service.articles.segmentation import (
    RuleSegmenter,
    SentencexSegmenter,
    assemble_block,
    get_segmenter,
    segment_block,
    split_sentences,
)

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = ROOT / "bench" / "data"
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE = FIXTURES / "eurasianet-armenia-coup.html"


def _load(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def _misses(cases: list[dict], lang: str) -> list[str]:
    out = []
    for case in cases:
        expected = [s.strip() for s in case["expected"] if s.strip()]
        if split_sentences(case["text"], lang) != expected:
            out.append(case.get("id") or case["text"])
    return out


def test_golden_rules_english_at_least_98_percent():
    cases = [c for c in _load(DATA / "golden_rules_en.json") if c["set"] == "pysbd_grs48"]
    assert len(cases) == 48
    misses = _misses(cases, "en")
    assert 100.0 * (len(cases) - len(misses)) / len(cases) >= 98.0, misses


def test_golden_rules_russian_all():
    cases = _load(DATA / "golden_rules_ru.json")
    assert len(cases) == 37
    assert _misses(cases, "ru") == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_own_news_cases_all(lang):
    cases = _load(FIXTURES / "segmentation" / f"news_{lang}.json")
    assert len(cases) >= 40
    assert _misses(cases, lang) == []


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # never before a lowercase word or a dash + lowercase word
        ("Население сократилось на 0,5 млн чел. в 2022 г.", "ru", 1),
        ("«Вы серьёзно?» — спросил журналист.", "ru", 1),
        ("What does the government want? the newspaper asked.", "en", 1),
        # titles and initials keep the name
        ("Gen. Milley and Dr. Smith met Mr. J. R. Jones.", "en", 1),
        ("Его доставили в больницу им. Склифосовского. Врачи помогли.", "ru", 2),
        ("Т. Иванова и Е. Петрова вышли в финал.", "ru", 1),
        ("Встреча прошла в г. Москве.", "ru", 1),
        # sentence-final abbreviations split before a capital
        ("Рост замедлился в 2023 г. Эксперты ждут восстановления.", "ru", 2),
        ("Обсуждали экономику и т. д. Стороны договорились.", "ru", 2),
        ("Выручка выросла во II кв. Прибыль снизилась.", "ru", 2),
        ("Exports included oil, gas, etc. Imports fell.", "en", 2),
        # dating phrases are not sentences
        ("В 2010–2012 гг. Россия увеличила экспорт.", "ru", 1),
        ("At 5 a.m. Mr. Smith went to the bank.", "en", 1),
        # a.m./p.m.: time zones, weekdays and "<Word> time" continue the sentence
        ("Talks resume at 5 p.m. Moscow time.", "en", 1),
        ("Polls close at 8 p.m. Tuesday. Results follow.", "en", 2),
        ("The strike ended at 9 p.m. Workers went home.", "en", 2),
        # abbreviations before numbers
        ("See No. 5 and approx. 40 others on Oct. 3 in Yerevan.", "en", 1),
        ("Закон вступит в силу 1 янв. 2025 г.", "ru", 1),
        # lists
        ("1. The first item 2. The second item", "en", 2),
        ("a. The first item b. The second item c. The third", "en", 3),
        ("It rose 5. The rest fell.", "en", 2),
    ],
)
def test_targeted_rules(text, lang, expected):
    assert len(split_sentences(text, lang)) == expected, split_sentences(text, lang)


def test_sentences_are_substrings_in_order():
    text = "Он сказал: «Всё идёт по плану…» Однако рынок упал на 3,5%. В 2023 г. Эксперты молчали!"
    cursor = 0
    for sentence in split_sentences(text, "ru"):
        found = text.find(sentence, cursor)
        assert found >= cursor
        cursor = found + len(sentence)


def test_languages_without_rules_fall_back_to_sentencex():
    assert isinstance(get_segmenter("en-GB"), RuleSegmenter)
    assert isinstance(get_segmenter("ru"), RuleSegmenter)
    assert isinstance(get_segmenter("de"), SentencexSegmenter)
    assert split_sentences("Hallo Welt. Wie geht es?", "de") == ["Hallo Welt.", "Wie geht es?"]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_sample_blocks_round_trip_with_rules(lang):
    parsed = ingest.parse_source(SAMPLE.read_bytes(), filename=SAMPLE.name)
    assert parsed.blocks
    for block in parsed.blocks:
        bs = segment_block(block.html, lang)
        assert len(bs.gaps) == len(bs.segments) + 1
        assert assemble_block(bs.gaps, [(s.source, s.tags) for s in bs.segments]) == block.html, block.path
