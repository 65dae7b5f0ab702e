"""Reading glossary files: CSV (documented columns) and TBX through translate-toolkit; bad files refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import InvalidInput
from service.glossary import io
from service.glossary.models import GlossaryTerm
from service.translation.machinery.deepl import glossary_tsv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "glossary"


def pairs(rows: list[io.Row]) -> list[tuple[str, str, str, str, bool]]:
    return [(r.source_lang, r.target_lang, r.term.source, r.term.target, r.term.forbidden) for r in rows]


def test_csv_with_the_documented_columns() -> None:
    rows = io.read_csv((FIXTURES / "en-ru.csv").read_bytes(), "en", "ru")
    assert pairs(rows) == [("en", "ru", "ceasefire", "прекращение огня", False),
                           ("en", "ru", "ceasefire", "перемирие", True),
                           ("en", "ru", "Dream", "«Грузинская мечта»", False),
                           ("en", "ru", "Joshua Kucera", "Джошуа Кучера", False)]
    assert rows[0].term.notes == 'not "truce"' and rows[2].term.case_sensitive and not rows[0].term.case_sensitive


def test_semicolons_a_bom_and_per_row_languages() -> None:
    data = "\ufeffsource_lang;target_lang;source;target\nen;kk;ceasefire;атысты тоқтату\n\nen;ru;Dream;«Мечта»\n"
    assert pairs(io.read_csv(data.encode())) == [("en", "kk", "ceasefire", "атысты тоқтату", False),
                                                 ("en", "ru", "Dream", "«Мечта»", False)]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the CSV file is empty"),
    (b"term,translation\na,b\n", "needs a header row with 'source' and 'target'"),
    (b"source,target,colour\na,b,red\n", "unknown CSV columns: colour"),
    ("source,target\nа,б\n".encode("cp1251"), "not UTF-8"),
    (b"source,target\na,b,c\n", "line 2: more fields than columns"),
    (b"source,target\nceasefire,x\n", "line 2: no target language"),
])
def test_bad_csv_files_get_one_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        io.read_csv(data, "en", None if "no target" in message else "ru")


def test_a_bad_flag_names_its_line() -> None:
    with pytest.raises(InvalidInput, match=r"line 3: forbidden must be yes or no, not 'maybe'"):
        io.read_file(FIXTURES / "bad-flag.csv", "en", "ru")


def test_tbx_carries_its_languages_and_deprecated_terms_are_forbidden() -> None:
    rows = io.read_file(FIXTURES / "en-ru.tbx")
    assert pairs(rows) == [("en", "ru", "ceasefire", "прекращение огня", False),
                           ("en", "ru", "ceasefire", "перемирие", True),
                           ("en", "kk", "ceasefire", "атысты тоқтату", False),
                           ("en", "ru", "Nikol Pashinyan", "Никол Пашинян", False),
                           ("en", "ru", "Joshua Kucera", "Джошуа Кучера", False)]
    assert rows[0].term.notes == "An agreed stop to fighting"
    assert {r.target_lang for r in io.read_file(FIXTURES / "en-ru.tbx", target_lang="kk")} == {"kk"}


def test_tbx_source_language_must_agree() -> None:
    with pytest.raises(InvalidInput, match="source language is 'en', not 'de'"):
        io.read_file(FIXTURES / "en-ru.tbx", source_lang="de")


@pytest.mark.parametrize(("data", "message"), [
    ((FIXTURES / "entities.tbx").read_bytes(), "declaring entities are refused"),
    (b"<martif><text><body><termEntry>", "not a well-formed TBX file"),
    (b"<xliff version='1.2'/>", "not TBX"),
])
def test_bad_tbx_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        io.read_tbx(data)


def test_tbx_export_reads_back_the_same_terms() -> None:
    terms = [GlossaryTerm(source_lang="en", target_lang=t, source=s, target=x, forbidden=f, notes=n,
                          case_sensitive=False)
             for t, s, x, f, n in [("ru", "ceasefire", "прекращение огня", False, "a note"),
                                   ("ru", "ceasefire", "перемирие", True, ""),
                                   ("kk", "ceasefire", "атысты тоқтату", False, ""),
                                   ("ru", "AT&T <Inc>", "AT&T <Inc>", False, "")]]
    rows = io.read_tbx(io.export_tbx(terms))
    assert sorted(pairs(rows)) == sorted((t.source_lang, t.target_lang, t.source, t.target, t.forbidden)
                                         for t in terms)
    assert next(r for r in rows if r.term.target == "прекращение огня").term.notes == "a note"
    assert pairs(io.read_csv(io.export_csv(terms).encode())) == [
        (t.source_lang, t.target_lang, t.source, t.target, t.forbidden) for t in terms]


def test_deepl_entries_are_clean_tsv() -> None:
    assert glossary_tsv({"cease\tfire": " прекращение\nогня ", "Dream": "«Мечта»", "": "x"}) == \
        "Dream\t«Мечта»\ncease fire\tпрекращение огня"
