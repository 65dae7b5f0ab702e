"""QA checks on English→Russian segments: each check passes on a good translation and fails on a bad one."""

from __future__ import annotations

import pytest

from service.translation import checks
from service.translation.checks import GlossaryHit, run_checks, unmodified_mt_share


def codes(source: str, target: str, glossary: tuple[GlossaryHit, ...] = ()) -> set[str]:
    return {issue.code for issue in run_checks(source, target, "en", "ru", glossary)}


def severity(source: str, target: str, code: str) -> str:
    return next(i.severity for i in run_checks(source, target, "en", "ru") if i.code == code)


# --- placeholders and tags ----------------------------------------------------------------------

def test_tags_kept_and_reordered_pairs_pass() -> None:
    source = "Lavrov {1}recently announced{/1} that {2}talks{/2} resumed.{3/}"
    assert not {"tags_missing", "tags_extra", "tags_broken"} & codes(
        source, "{2}Переговоры{/2}, как {1}недавно объявил{/1} Лавров, возобновились.{3/}")


def test_missing_tag_is_an_error() -> None:
    assert "tags_missing" in codes("Read {1}the report{/1}.", "Прочтите доклад.")
    assert severity("Read {1}the report{/1}.", "Прочтите доклад.", "tags_missing") == "error"


def test_extra_tag_is_an_error() -> None:
    assert "tags_extra" in codes("Read the report.", "Прочтите {1}доклад{/1}.")


def test_broken_pair_is_an_error() -> None:
    assert "tags_broken" in codes("Read {1}the report{/1}.", "Прочтите {/1}доклад{1}.")
    assert "tags_broken" in codes("{1}A {2}b{/2}{/1}.", "{1}А {2}б{/1}{/2}.")


# --- numbers ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "target"), [
    ("Inflation reached 3.5 percent.", "Инфляция достигла 3,5 процента."),
    ("About 1,200 people came.", "Пришли около 1 200 человек."),
    ("About 1,200 people came.", "Пришли около 1\u00a0200 человек."),
    ("About 1,200 people came.", "Пришли около 1\u202f200 человек."),
    ("They won 13 of 16 seats.", "Они получили 13 из 16 мест."),
])
def test_numbers_in_the_target_locale_pass(source: str, target: str) -> None:
    assert not {"numbers_missing", "numbers_extra"} & codes(source, target)


@pytest.mark.parametrize(("source", "target"), [
    ("Inflation reached 3.5 percent.", "Инфляция достигла 35 процентов."),
    ("About 1,200 people came.", "Пришли около 1 300 человек."),
    ("They won 13 of 16 seats.", "Они получили 13 мест."),
])
def test_changed_or_missing_numbers_are_errors(source: str, target: str) -> None:
    assert "numbers_missing" in codes(source, target)


def test_numbers_inside_placeholders_and_links_are_ignored() -> None:
    source = "See {1}https://example.com/2024/report{/1} for 5 cases."
    assert not {"numbers_missing", "numbers_extra"} & codes(
        source, "См. {1}https://example.com/2024/report{/1}: 5 случаев.")


# --- links and e-mail ----------------------------------------------------------------------------

def test_links_kept_pass() -> None:
    assert "link_changed" not in codes("Write to press@example.org or see https://example.org/a?b=1.",
                                       "Пишите на press@example.org или см. https://example.org/a?b=1.")


def test_changed_link_or_address_is_an_error() -> None:
    assert "link_changed" in codes("See https://example.org/en/report.", "См. https://example.org/ru/report.")
    assert "link_changed" in codes("Write to press@example.org.", "Пишите на пресс@example.org.")


# --- end punctuation ---------------------------------------------------------------------------

def test_end_punctuation_with_guillemets_passes() -> None:
    assert "end_punctuation" not in codes('He said: "We will not go."', "Он сказал: «Мы не пойдём».")
    assert "end_punctuation" not in codes("Who won?", "Кто победил?")


def test_end_punctuation_mismatch_warns() -> None:
    assert "end_punctuation" in codes("The talks resumed.", "Переговоры возобновились")
    assert "end_punctuation" in codes("The talks resumed", "Переговоры возобновились.")
    assert severity("Who won?", "Кто победил.", "end_punctuation") == "warning"


# --- spacing -----------------------------------------------------------------------------------

def test_spacing_passes() -> None:
    assert not {"outer_space", "double_space"} & codes("The talks resumed.", "Переговоры возобновились.")


def test_spacing_problems_warn() -> None:
    assert "outer_space" in codes("The talks resumed.", " Переговоры возобновились.")
    assert "double_space" in codes("The talks resumed.", "Переговоры  возобновились.")


# --- unchanged source --------------------------------------------------------------------------

def test_unchanged_names_and_numbers_pass() -> None:
    assert "unchanged" not in codes("Nikol Pashinyan", "Nikol Pashinyan")
    assert "unchanged" not in codes("2024", "2024")
    assert "unchanged" not in codes("The talks resumed.", "Переговоры возобновились.")


def test_unchanged_sentence_warns() -> None:
    assert "unchanged" in codes("The talks resumed.", "The talks resumed.")


# --- length ratio --------------------------------------------------------------------------------

def test_length_ratio_in_range_passes() -> None:
    assert "length_ratio" not in codes("The negotiations resumed on Monday.", "Переговоры возобновились в понедельник.")


def test_length_ratio_outliers_warn() -> None:
    assert "length_ratio" in codes("The negotiations resumed on Monday in Yerevan.", "Да.")
    assert "length_ratio" in codes("The negotiations resumed.", "Переговоры " * 10)


# --- quotes --------------------------------------------------------------------------------------

def test_guillemets_pass_in_russian() -> None:
    assert "quotes" not in codes('The "Dream" party won.', "Партия «Мечта» победила.")
    assert not checks.check_quotes('The "Dream" party won.', "en")


def test_straight_and_curly_quotes_warn_in_russian() -> None:
    assert "quotes" in codes('The "Dream" party won.', 'Партия "Мечта" победила.')
    assert "quotes" in codes('The "Dream" party won.', "Партия “Мечта” победила.")


# --- glossary ------------------------------------------------------------------------------------

HITS = (GlossaryHit("ceasefire", targets=("прекращение огня",), forbidden=("перемирие",)),)


def test_glossary_term_used_passes_with_inflection() -> None:
    assert not {"glossary_missing", "glossary_forbidden"} & codes(
        "The ceasefire held.", "Режим прекращения огня соблюдался.", HITS)


def test_glossary_term_missing_warns() -> None:
    assert "glossary_missing" in codes("The ceasefire held.", "Тишина соблюдалась.", HITS)


def test_forbidden_term_is_an_error() -> None:
    issues = run_checks("The ceasefire held.", "Перемирие соблюдалось.", "en", "ru", HITS)
    assert any(i.code == "glossary_forbidden" and i.severity == "error" for i in issues)


# --- whole ---------------------------------------------------------------------------------------

def test_a_good_translation_has_no_issues() -> None:
    source = 'On May 3, {1}Armenia{/1} said 1,200 troops left "the zone". See https://example.org.'
    target = "3 мая {1}Армения{/1} заявила, что 1 200 военных покинули «зону». См. https://example.org."
    assert run_checks(source, target, "en", "ru") == []


def test_empty_target_is_not_checked() -> None:
    assert run_checks("The talks resumed.", "", "en", "ru") == []


# --- unmodified MT share -------------------------------------------------------------------------

def test_unmodified_mt_share() -> None:
    assert unmodified_mt_share("Переговоры возобновились в понедельник.",
                               "Переговоры возобновились в понедельник.") == 1.0
    assert unmodified_mt_share("Переговоры возобновились в понедельник.",
                               "Переговоры продолжились во вторник.") == pytest.approx(1 / 4)
    assert unmodified_mt_share("совсем другое", "Переговоры возобновились.") == 0.0
    assert unmodified_mt_share("что-то", "") == 0.0
    assert unmodified_mt_share(None, "Текст") == 0.0
