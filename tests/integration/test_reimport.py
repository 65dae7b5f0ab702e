"""Re-importing an article: segment identity keeps translations of unchanged text (issue 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import SAMPLE
from tests.factories import import_sample
from tests.integration.test_api import api_for, assert_error
from tests.integration.test_faults import counts, wait_until
from tests.integration.test_publishing import SLUG, approve_all, drafted, events, staff

pytestmark = [pytest.mark.integration]

CHANGED = ("Three individuals were reportedly in custody", "Four individuals were reportedly in custody")
FIRST_BODY = '<div class="field field--name-body">\n      <p>'
NEW_PARAGRAPH = "<p>Update: officials confirmed the arrests on Friday. More details are expected.</p>\n      "


def sample_html(*replacements: tuple[str, str]) -> bytes:
    html = SAMPLE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert html.count(old) == 1, old  # the fixture must still hold exactly the text this test edits
        html = html.replace(old, new)
    return html.encode("utf-8")


def reparse(*replacements: tuple[str, str]) -> Any:
    from service.articles import ingest

    return ingest.parse_source(sample_html(*replacements), filename=SAMPLE.name)


def translations(article_id: int, lang: str = "ru") -> dict[int, tuple[str, str | None, str, int]]:
    """segment id -> (state, text, source_hash, version) of every translation row."""
    from service.extensions import db
    from service.translation.models import Translation

    rows = db.session.execute(select(Translation.segment_id, Translation.state, Translation.text,
                                     Translation.source_hash, Translation.version)
                              .where(Translation.article_id == article_id, Translation.lang == lang))
    return {segment_id: (state, text, source_hash, version) for segment_id, state, text, source_hash, version in rows}


def segments(article_id: int) -> dict[int, tuple[str, str]]:
    """segment id -> (source, source_hash), read from the database (not the session's cached lists)."""
    from service.articles.models import Segment
    from service.extensions import db

    rows = db.session.execute(select(Segment.id, Segment.source, Segment.source_hash)
                              .where(Segment.article_id == article_id).order_by(Segment.position))
    return {segment_id: (source, source_hash) for segment_id, source, source_hash in rows}


def published_ru() -> Any:
    """The sample drafted, every ru segment approved by people, ru published."""
    from service.publishing import services as publishing

    translator, reviewer, editor = staff(("ru",))
    article = drafted(("ru",))
    approve_all(article, "ru", translator, reviewer)
    publishing.publish(article, "ru", user_id=editor.id)
    return article, editor


def test_one_changed_sentence_keeps_every_other_translation_and_outdates_ru(db: Any) -> None:
    from service.articles import services
    from service.publishing import services as publishing

    article, editor = published_ru()
    before_segments = segments(article.id)
    before = translations(article.id)
    assert {state for state, *_rest in before.values()} == {"approved"}
    (old_id,) = [sid for sid, (source, _h) in before_segments.items() if source.startswith(CHANGED[0])]
    history_of_old = db.session.scalar(select(func.count()).select_from(events_table()).where(
        events_table().c.segment_id == old_id))
    assert history_of_old >= 3  # draft, save, approve

    result = services.update_article(article, reparse(CHANGED), services.ImportRequest(user_id=editor.id))

    assert (result.created, result.kept, result.added, result.removed) == (False, len(before) - 1, 1, 1)
    assert result.outdated == ["ru"]
    after_segments = segments(article.id)
    after = translations(article.id)
    (new_id,) = [sid for sid, (source, _h) in after_segments.items() if source.startswith(CHANGED[1])]
    assert new_id not in before_segments and old_id not in after_segments
    # Every unchanged segment: the same row, the same approved text, nothing rewritten.
    for segment_id in set(before) - {old_id}:
        assert after[segment_id] == before[segment_id]
    # The changed sentence: a new segment, queued for ru against its new source.
    state, text, source_hash, _version = after[new_id]
    assert (state, text, source_hash) == ("queued", None, after_segments[new_id][1])
    assert publishing.version_state(article, "ru") == "outdated"
    assert publishing.version_state(article, "en") == "published"
    # Readers keep the published ru snapshot (old sentence translated); the source is re-published.
    _art, ru_snapshot, _versions = publishing.reader_snapshot(SLUG, "ru")
    assert "Перевод сегмента" in ru_snapshot.body_html
    _art, en_snapshot, _versions = publishing.reader_snapshot(SLUG, "en")
    assert CHANGED[1] in en_snapshot.body_html and CHANGED[0] not in en_snapshot.body_html
    # History kept: the removed segment's rows survive, detached, with one row saying what went.
    (removed,) = events(article, "segment_removed")
    assert removed.old_text == before_segments[old_id][0]
    assert removed.data["removed_segment"] == old_id
    assert removed.data["translations"]["ru"] == {"state": "approved", "text": before[old_id][1]}
    detached = db.session.scalar(select(func.count()).select_from(events_table()).where(
        events_table().c.article_id == article.id, events_table().c.segment_id.is_(None),
        events_table().c.new_text == before[old_id][1]))
    assert detached >= 1  # the approval of the removed sentence is still in the history
    (reimport,) = events(article, "reimport")
    assert (reimport.data["kept"], reimport.data["added"], reimport.data["removed"]) == (len(before) - 1, 1, 1)


def events_table() -> Any:
    from service.history import Event

    return Event.__table__


def test_unchanged_source_changes_nothing(db: Any) -> None:
    from service.articles import services
    from service.publishing import services as publishing

    article, _editor = published_ru()
    before = translations(article.id)
    snapshots = len(publishing.list_snapshots(article))

    result = services.update_article(article, reparse(), services.ImportRequest())

    assert (result.kept, result.added, result.removed, result.outdated) == (len(before), 0, 0, [])
    assert translations(article.id) == before
    assert publishing.version_state(article, "ru") == "published"
    assert len(publishing.list_snapshots(article)) == snapshots  # no new source snapshot either


def test_paragraph_added_above_keeps_translations_of_the_shifted_paragraphs(db: Any) -> None:
    from service.articles import services
    from service.translation import pipeline

    article = drafted(("ru",))
    before = translations(article.id)
    before_segments = segments(article.id)

    inserted = FIRST_BODY.removesuffix("<p>") + NEW_PARAGRAPH + "<p>"
    result = services.update_article(article, reparse((FIRST_BODY, inserted)), services.ImportRequest())

    # Every body path below shifted by one; the text did not change, so every translation stays.
    assert (result.kept, result.added, result.removed) == (len(before), 2, 0)
    after_segments = segments(article.id)
    after = translations(article.id)
    moved = [sid for sid in before if after_segments[sid][1] != before_segments[sid][1]]
    assert moved  # identities did change with the paths ...
    for segment_id in before:
        state, text, source_hash, version = after[segment_id]
        assert (state, text, version) == (before[segment_id][0], before[segment_id][1], before[segment_id][3])
        assert source_hash == after_segments[segment_id][1]  # ... and the translations follow them
    added = [sid for sid in after_segments if sid not in before_segments]
    assert [after_segments[sid][0] for sid in added] == ["Update: officials confirmed the arrests on Friday.",
                                                         "More details are expected."]
    assert [after[sid][0] for sid in added] == ["queued", "queued"]
    # The kept rows still pass the workers' compare-and-set: only the two new ones get drafted.
    assert pipeline.translate_batch(article.id, "ru", list(after_segments)) == 2


def test_reimport_adds_requested_languages_and_refuses_a_different_source_language(db: Any) -> None:
    from service.articles import services
    from service.errors import InvalidInput

    article = import_sample(languages=["ru"])
    total = len(segments(article.id))
    with pytest.raises(InvalidInput, match="cannot change"):
        services.update_article(article, reparse(), services.ImportRequest(source_lang="de"))
    # Still queued for ru (no worker here) while a paragraph is added above: the moved rows stay queued, for
    # their new identity, and kk is queued for every segment.
    inserted = FIRST_BODY.removesuffix("<p>") + NEW_PARAGRAPH + "<p>"
    result = services.update_article(article, reparse((FIRST_BODY, inserted)),
                                     services.ImportRequest(languages=["kk"]))
    assert (result.kept, result.added) == (total, 2)
    current = segments(article.id)
    for lang in ("ru", "kk"):
        rows = translations(article.id, lang)
        assert set(rows) == set(current)
        assert all(state == "queued" and source_hash == current[sid][1]
                   for sid, (state, _text, source_hash, _version) in rows.items())


def test_api_put_and_post_with_update(db: Any, app: Any) -> None:
    editor = api_for(app, "editor@example.org", "editor")
    html = sample_html().decode()
    created = editor.post("/api/v1/articles", json={"html": html, "languages": ["ru"]})
    assert created.status_code == 201, created.get_data(as_text=True)
    article_id = created.get_json()["id"]
    total = created.get_json()["segments"]

    response = editor.put(f"/api/v1/articles/{article_id}", json={"html": sample_html(CHANGED).decode()})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["id"], body["created"], body["kept"], body["added"], body["removed"]) == (
        article_id, False, total - 1, 1, 1)
    assert body["status"]["languages"]["ru"]["states"]["queued"] == total

    # POST with update: matched by the canonical URL, updated in place (200, not a second article).
    again = editor.post("/api/v1/articles", json={"html": html, "update": True})
    assert again.status_code == 200, again.get_data(as_text=True)
    assert (again.get_json()["id"], again.get_json()["added"], again.get_json()["removed"]) == (article_id, 1, 1)
    # Without update the same page is a second article, as before.
    second = editor.post("/api/v1/articles", json={"html": html})
    assert second.status_code == 201 and second.get_json()["id"] != article_id
    assert second.get_json()["slug"] == f"{SLUG}-2"

    translator = api_for(app, "translator@example.org", "translator", "ru")
    assert_error(translator.put(f"/api/v1/articles/{article_id}", json={"html": html}), 403)
    assert_error(editor.put("/api/v1/articles/999999", json={"html": html}), 404)
    assert_error(editor.put(f"/api/v1/articles/{article_id}", json={"html": html, "update": "yes"}), 400)


@pytest.mark.worker
def test_worker_drafts_only_the_changed_sentence(committed: Any, worker: Any, tmp_path: Path) -> None:
    from service.articles import services
    from service.extensions import db

    article = import_sample(languages=["ru"])
    total = len(article.segments)
    wait_until(lambda: counts(article.id).get("draft") == total, 60, lambda: f"not drafted: {counts(article.id)}")
    before = translations(article.id)

    result = services.update_article(article, reparse(CHANGED), services.ImportRequest())
    (new_id,) = [sid for sid, (source, _h) in segments(article.id).items() if source.startswith(CHANGED[1])]
    wait_until(lambda: counts(article.id).get("draft") == total and translations(article.id)[new_id][0] == "draft",
               60, lambda: f"not drafted: {counts(article.id)}")
    after = translations(article.id)
    assert result.kept == total - 1 and after[new_id][1] is not None
    assert {sid: row for sid, row in after.items() if sid != new_id} == {
        sid: row for sid, row in before.items() if sid in after}  # the worker rewrote nothing it had drafted
    db.session.commit()
