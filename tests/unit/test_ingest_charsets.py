"""Character sets: declared ones are honoured (HTTP header over <meta>), wrong or missing ones are detected.

Every page here is generated: Russian news text encoded with the charset under test.
"""

from __future__ import annotations

import pytest

from service.articles import ingest
from service.errors import ImportFailed

TITLE = "Президент объявил о переговорах"
PARAGRAPHS = [
    "Президент России заявил в среду, что переговоры с Украиной продолжатся в следующем месяце.",
    "Эксперты считают, что это важный шаг: «Стороны впервые за год говорят о сроках», — отметил аналитик.",
    "В 2023 г. подобные встречи срывались трижды, и т. д. Ещё ёжик, съешь же этих мягких булок.",
]


def page(head: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (f"<html><head>{head}<title>{TITLE}</title></head>"
            f"<body><article><h1>{TITLE}</h1>{body}</article></body></html>")


def assert_russian(parsed: ingest.ParsedArticle) -> None:
    assert parsed.title == TITLE
    texts = [b.html for b in parsed.blocks if b.kind == "paragraph"]
    assert texts[0] == PARAGRAPHS[0]
    assert texts[1] == PARAGRAPHS[1]
    assert "ёжик" in texts[2]


@pytest.mark.parametrize("head", [
    '<meta charset="windows-1251">',
    "<meta charset=cp1251>",
    '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
])  # fmt: skip
def test_declared_windows_1251_in_the_page(head):
    assert_russian(ingest.parse_source(page(head).encode("cp1251"), filename="news.html"))


def test_declared_in_the_http_content_type():
    data = page().encode("cp1251")
    assert_russian(ingest.parse_source(data, content_type="text/html; charset=windows-1251"))


def test_the_http_header_overrides_the_page():
    data = page('<meta charset="koi8-r">').encode("cp1251")
    assert_russian(ingest.parse_source(data, content_type="text/html; charset=windows-1251"))


@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r", "utf-16"])
def test_missing_declaration_is_detected(encoding):
    # KOI8-R has no guillemets or em dash: the page uses what the charset has, as a KOI8-R site would.
    data = page().translate(str.maketrans("«»—", '""-')) if encoding == "koi8_r" else page()
    parsed = ingest.parse_source(data.encode(encoding), filename="news.html")
    assert parsed.title == TITLE
    assert [b.html for b in parsed.blocks if b.kind == "paragraph"][0] == PARAGRAPHS[0]
    assert "ёжик" in parsed.blocks[-1].html


@pytest.mark.parametrize("declared", ["utf-8", "windows-1252", "iso-8859-1", "x-no-such-charset"])
def test_wrong_declaration_is_detected(declared):
    data = page(f'<meta charset="{declared}">').encode("cp1251")
    assert_russian(ingest.parse_source(data, filename="news.html"))


def test_utf8_bytes_under_a_latin1_declaration_are_utf8():
    data = page('<meta charset="iso-8859-1">').encode("utf-8")
    assert_russian(ingest.parse_source(data, filename="news.html"))


def test_a_correct_western_declaration_is_kept():
    text = "Le président a déclaré mercredi que les négociations continueraient à Genève, où l’on s’attend à tout."
    data = f"<html><head><meta charset='windows-1252'></head><body><article><h1>Titre</h1><p>{text}</p>"
    parsed = ingest.parse_source((data + "</article></body></html>").encode("cp1252"), filename="fr.html")
    assert [b.html for b in parsed.blocks if b.kind == "paragraph"] == [text]


def test_plain_text_in_windows_1251_is_detected():
    data = (TITLE + "\n\n" + "\n\n".join(PARAGRAPHS)).encode("cp1251")
    parsed = ingest.parse_source(data, filename="news.txt")
    assert parsed.title == TITLE
    assert [b.html for b in parsed.blocks if b.kind == "paragraph"][0] == PARAGRAPHS[0]


def test_bytes_that_are_no_text_at_all_are_refused():
    with pytest.raises(ImportFailed, match="not text"):
        ingest.parse_source(bytes(range(1, 32)) * 300 + b"\x00" * 10, filename="noise.html")
