"""Rebuilding an article from its segments, and the pre-translation batch (compare-and-set), on the database."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import lxml.html
import pytest
from babel.dates import format_date
from sqlalchemy import func, select, update

from tests.conftest import SAMPLE
from tests.factories import import_sample

BODY_XPATH = "//div[contains(concat(' ', normalize-space(@class), ' '), ' field--name-body ')]/p"
ASCII_WS = re.compile(r"[ \t\n\r\f]+")


def visible_text(el: Any) -> str:
    """What a reader sees: ASCII whitespace runs collapse in HTML, a no-break space does not."""
    return ASCII_WS.sub(" ", el.text_content()).strip(" ")


def links(el: Any) -> list[tuple[str | None, str]]:
    return [(a.get("href"), a.text_content()) for a in el.iter("a")]


def fragment(html: str) -> Any:
    return lxml.html.fragment_fromstring(html, create_parent="div")


# --------------------------------------------------------------------------- assembly


def test_source_texts_rebuild_every_block_exactly(db: Any) -> None:
    from service.articles.assembly import block_html

    article = import_sample()
    assert len(article.blocks) == 19
    for block in article.blocks:
        assert block.segments, block.path
        assert block_html(block, {}) == block.html, block.path


def test_assembled_body_matches_the_original_page(db: Any) -> None:
    from service.articles.assembly import assemble

    article = import_sample()
    parts = assemble(article, "en", {})
    original = lxml.html.document_fromstring(SAMPLE.read_text()).xpath(BODY_XPATH)
    assert len(original) == 10
    body = parts["body_blocks"]
    assert [b["kind"] for b in body] == ["paragraph"] * 10
    for index, (block, source) in enumerate(zip(body, original, strict=True)):
        rebuilt = fragment(block["html"])
        assert visible_text(rebuilt) == visible_text(source), index
        assert links(rebuilt) == links(source), index
    # The trailing no-break spaces the newsroom typed are kept (one, then two).
    assert visible_text(fragment(body[0]["html"])).endswith("Caucasus.\u00a0")
    assert visible_text(fragment(body[4]["html"])).endswith("agreement.\u00a0\u00a0")
    assert links(fragment(body[0]["html"])) == [
        ("https://eurasianet.org/russia-says-it-wont-interfere-in-armenia-azerbaijan-peace-talks", "recently announced")
    ]

    fourth, fifth = fragment(body[3]["html"]), fragment(body[4]["html"])
    assert [(e.tag, e.text_content()) for e in fourth.iter("em", "strong")] == [("em", "‘stop-start’")]
    assert "<em>‘stop-start’</em>" in body[3]["html"]
    assert [(e.tag, e.text_content()) for e in fifth.iter("em", "strong")] == [("strong", "13 of 16 points")]
    assert "<strong>13 of 16 points</strong>" in body[4]["html"]


def test_assembled_parts_around_the_body(db: Any) -> None:
    from service.articles.assembly import assemble

    article = import_sample()
    parts = assemble(article, "en", {})
    assert parts["title_html"] == "Armenia breaks up alleged Russian-inspired coup attempt"
    assert parts["dek_html"] == "Armenian-Azerbaijani peace process hits another snag."
    assert [t["html"] for t in parts["tags"]] == ["Armenia", "Azerbaijan", "Caucasus", "Russia"]
    assert parts["tags"][0]["href"] == "/region/armenia"
    assert "Ani Avetisyan" in parts["authors_html"][0]
    assert parts["figure"]["caption_html"].endswith('(Photo: <a href="https://www.primeminister.am/">'
                                                    "primeminister.am</a>)")
    newsletter = fragment(parts["newsletter_html"])
    assert links(newsletter) == [("/newsletter", "Sign up"), ("/support", "Support Eurasianet:")]
    assert parts["date_iso"] == "2024-09-19T10:12-04:00"
    assert parts["date_display"] == "September 19, 2024"


def test_target_texts_replace_only_their_segments(db: Any) -> None:
    from service.articles.assembly import assemble

    article = import_sample()
    first_paragraph = next(b for b in article.blocks if b.kind == "paragraph")
    linked = next(s for s in first_paragraph.segments if "{1}" in s.source)
    texts = {linked.id: "Лавров {1}недавно заявил{/1}, что всё в порядке."}
    parts = assemble(article, "ru", texts)
    html = parts["body_blocks"][0]["html"]
    assert ('Лавров <a href="https://eurasianet.org/russia-says-it-wont-interfere-in-armenia-azerbaijan-peace-talks">'
            "недавно заявил</a>, что всё в порядке.") in html
    assert "recently announced" not in html
    # The other sentence of the paragraph and every other block stay in the source language.
    others = [s for s in first_paragraph.segments if s.id != linked.id]
    assert others and all(re.sub(r"\{/?\d+/?\}", "", s.source) in html for s in others)
    assert parts["body_blocks"][1:] == assemble(article, "en", {})["body_blocks"][1:]
    assert parts["date_display"] == format_date(date(2024, 9, 19), format="long", locale="ru")
    assert parts["date_display"].replace("\u202f", " ") == "19 сентября 2024 г."  # CLDR's narrow NBSP before "г."


# --------------------------------------------------------------------------- pre-translation batches


def queued_batch(article: Any, size: int = 8) -> list[int]:
    return [segment.id for segment in article.segments[:size]]


def translation_rows(db: Any, article_id: int, segment_ids: Sequence[int]) -> dict[int, Any]:
    from service.translation.models import Translation

    db.session.expire_all()
    rows = db.session.scalars(select(Translation).where(Translation.article_id == article_id,
                                                        Translation.lang == "ru",
                                                        Translation.segment_id.in_(segment_ids)))
    return {row.segment_id: row for row in rows}


def draft_events(db: Any, article_id: int) -> dict[int, int]:
    from service.history import Event

    return dict(db.session.execute(
        select(Event.segment_id, func.count()).where(Event.article_id == article_id, Event.action == "draft")
        .group_by(Event.segment_id)
    ).all())


def test_translate_batch_twice_writes_drafts_once(db: Any) -> None:
    from service.translation import pipeline

    article = import_sample(["ru"])
    batch = queued_batch(article)
    assert all(row.state == "queued" and row.version == 1 for row in translation_rows(db, article.id, batch).values())

    assert pipeline.translate_batch(article.id, "ru", batch) == len(batch)
    first = {sid: (row.state, row.version, row.text) for sid, row in translation_rows(db, article.id, batch).items()}
    assert all(state == "draft" and version == 2 and text.startswith("⟦") for state, version, text in first.values())
    rows = translation_rows(db, article.id, batch)
    assert all(row.origin == "mt" and row.engine == "pseudo" and row.mt_text == row.text for row in rows.values())

    # A re-delivered or duplicated task changes nothing.
    assert pipeline.translate_batch(article.id, "ru", batch) == 0
    second = {sid: (row.state, row.version, row.text) for sid, row in translation_rows(db, article.id, batch).items()}
    assert second == first
    assert draft_events(db, article.id) == dict.fromkeys(batch, 1)

    # Segments outside the batch were not touched.
    rest = [s.id for s in article.segments[len(batch):]]
    assert {row.state for row in translation_rows(db, article.id, rest).values()} == {"queued"}


def test_translate_batch_skips_a_segment_saved_before_it_runs(db: Any) -> None:
    from service.translation import pipeline
    from service.translation.models import Translation

    article = import_sample(["ru"])
    batch = queued_batch(article)
    saved_id = batch[2]
    db.session.execute(update(Translation).where(Translation.segment_id == saved_id, Translation.lang == "ru")
                       .values(state="translated", text="Перевод человека.", origin="human",
                               version=Translation.version + 1))
    db.session.commit()

    assert pipeline.translate_batch(article.id, "ru", batch) == len(batch) - 1
    row = translation_rows(db, article.id, [saved_id])[saved_id]
    assert (row.state, row.text, row.origin, row.version, row.engine) == (
        "translated", "Перевод человека.", "human", 2, None)
    assert saved_id not in draft_events(db, article.id)


def test_translate_batch_compare_and_set_while_the_engine_works(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A person saves while the engine is busy (the batch has already read the row as queued)."""
    from service.translation import pipeline
    from service.translation.machinery import ENGINES
    from service.translation.machinery.pseudo import PseudoEngine
    from service.translation.models import Translation

    article = import_sample(["ru"])
    batch = queued_batch(article)
    raced, stale = batch[0], batch[5]
    calls: list[int] = []

    class RacingEngine(PseudoEngine):
        def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
            calls.append(len(texts))
            # Meanwhile: a person's save on one row, and a source change (re-import) on another.
            db.session.execute(update(Translation).where(Translation.segment_id == raced, Translation.lang == "ru")
                               .values(state="translated", text="Сохранено во время перевода.", origin="human",
                                       version=Translation.version + 1))
            db.session.execute(update(Translation).where(Translation.segment_id == stale, Translation.lang == "ru")
                               .values(source_hash="0" * 64))
            db.session.commit()
            return super().translate_masked(texts, source, target)

    monkeypatch.setitem(ENGINES, "pseudo", RacingEngine)
    assert pipeline.translate_batch(article.id, "ru", batch) == len(batch) - 2
    assert calls == [len(batch)]  # the engine did translate both rows; their drafts were dropped

    rows = translation_rows(db, article.id, batch)
    assert (rows[raced].state, rows[raced].text, rows[raced].version) == (
        "translated", "Сохранено во время перевода.", 2)
    assert (rows[stale].state, rows[stale].text, rows[stale].version) == ("queued", None, 1)
    assert {rows[sid].state for sid in batch if sid not in (raced, stale)} == {"draft"}
    assert set(draft_events(db, article.id)) == set(batch) - {raced, stale}
