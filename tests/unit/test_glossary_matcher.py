"""The glossary matcher, the editor's highlighting and the glossary QA checks (English → Russian)."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from service.glossary.marks import glossary_marks
from service.glossary.models import GlossaryTerm
from service.glossary.services import Matcher
from service.review.views import tagchips
from service.translation.checks import run_checks


def term(source: str, target: str, *, forbidden: bool = False, case_sensitive: bool = False,
         notes: str = "") -> GlossaryTerm:
    return GlossaryTerm(source=source, target=target, forbidden=forbidden, case_sensitive=case_sensitive, notes=notes)


GLOSSARY = Matcher([
    term("ceasefire", "прекращение огня", notes="not a truce"),
    term("ceasefire", "перемирие", forbidden=True),
    term("Nikol Pashinyan", "Никол Пашинян", case_sensitive=True),
    term("Nikol", "Никол"),
    term("Dream", "«Грузинская мечта»", case_sensitive=True),
    term("AT&T", "AT&T"),
    term("1", "один"),
])


def found(text: str) -> list[tuple[str, str]]:
    return [(hit.term, text[hit.start:hit.end]) for hit in GLOSSARY.hits(text)]


# --- matcher -------------------------------------------------------------------------------------

def test_whole_words_only() -> None:
    assert found("The ceasefire held.") == [("ceasefire", "ceasefire")]
    assert found("Two ceasefires held; a ceasefireless week.") == []  # no stemming of the source


def test_case_sensitive_flag_is_honoured() -> None:
    assert found("A CEASEFIRE now.") == [("ceasefire", "CEASEFIRE")]  # not case-sensitive
    assert found("The Dream party.") == [("Dream", "Dream")]
    assert found("I had a dream.") == []  # case-sensitive: the common noun is not the party


def test_longest_term_wins_and_case_decides_which() -> None:
    assert found("Nikol Pashinyan said") == [("Nikol Pashinyan", "Nikol Pashinyan")]
    assert found("nikol pashinyan said") == [("Nikol", "nikol")]


def test_placeholders_are_ignored() -> None:
    text = "The {1}ceasefire{/1} that {2}Nikol{/2} Pashinyan signed{3/}."
    assert found(text) == [("ceasefire", "ceasefire"), ("Nikol Pashinyan", "Nikol{/2} Pashinyan")]
    assert found("See {1}the map{/1} and {12/}.") == []  # "1" is a term, but not inside a placeholder
    assert found("Page 1 of the {{1}} notes.") == [("1", "1"), ("1", "1")]  # escaped braces are text


def test_punctuation_terms_and_the_targets_of_a_hit() -> None:
    assert found("AT&T's offer") == [("AT&T", "AT&T")]
    [hit] = GLOSSARY.hits("The ceasefire held.")
    assert hit.targets == ("прекращение огня",) and hit.forbidden == ("перемирие",)
    assert hit.title == "прекращение огня · ≠ перемирие · not a truce"


def test_an_empty_glossary_finds_nothing() -> None:
    assert not Matcher([]) and Matcher([]).hits("The ceasefire held.") == []


# --- highlighting ----------------------------------------------------------------------------------

def test_marks_wrap_terms_in_text_never_in_tags_or_chips() -> None:
    source = 'The {1}ceasefire{/1} & "AT&T" deal, page {2/}1.'
    marked = str(glossary_marks(tagchips(source), GLOSSARY.hits(source)))
    assert '<mark class="term" title="прекращение огня · ≠ перемирие · not a truce">ceasefire</mark>' in marked
    assert '<mark class="term" title="AT&amp;T">AT&amp;T</mark>' in marked
    # The chip's own label is not marked, the number after it is.
    assert 'aria-label="tag 2">2/</span><mark class="term" title="один">1</mark>.' in marked
    assert marked.count("<mark") == 3
    assert re.sub(r"</?mark[^>]*>", "", marked) == str(tagchips(source))


def test_marks_without_hits_change_nothing() -> None:
    assert glossary_marks(tagchips("No {1}terms{/1} here."), []) == tagchips("No {1}terms{/1} here.")


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@given(st.text(alphabet=st.sampled_from(list("ab &<>\"'{}/1 ceasfirADT")), max_size=60))
def test_marks_never_change_the_text(source: str) -> None:
    shown = str(tagchips(source))
    marked = str(glossary_marks(shown, GLOSSARY.hits(source)))
    assert _text(marked) == _text(shown)
    assert marked.count("<mark") == marked.count("</mark>")


# --- QA checks, English → Russian ------------------------------------------------------------------

def issues(source: str, target: str) -> dict[str, str]:
    hits = [hit.for_checks() for hit in GLOSSARY.hits(source)]
    return {i.code: i.severity for i in run_checks(source, target, "en", "ru", hits)}


def test_wanted_term_used_inflected_passes() -> None:
    assert not {"glossary_missing", "glossary_forbidden"} & issues(
        "The ceasefire held.", "Режим прекращения огня соблюдался.").keys()


def test_missing_term_is_a_warning() -> None:
    assert issues("The ceasefire held.", "Тишина соблюдалась.")["glossary_missing"] == "warning"


def test_forbidden_term_is_an_error() -> None:
    found_issues = issues("The ceasefire held.", "Перемирие соблюдалось, прекращение огня тоже.")
    assert found_issues["glossary_forbidden"] == "error" and "glossary_missing" not in found_issues


def test_name_terms_are_checked_in_the_target() -> None:
    assert "glossary_missing" in issues("Nikol Pashinyan spoke.", "Премьер выступил.")
    assert "glossary_missing" not in issues("Nikol Pashinyan spoke.", "Никол Пашинян выступил.")


def test_no_glossary_outside_an_app_means_no_glossary_issues() -> None:
    codes = {i.code for i in run_checks("The ceasefire held.", "Перемирие соблюдалось.", "en", "ru")}
    assert not {"glossary_missing", "glossary_forbidden"} & codes
