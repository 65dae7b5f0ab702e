"""Working together: editors assign languages ("my work"), comments per segment, who else is editing,
and translation-memory matches in the editor's side panel."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import CHIP_OPEN_1, csrf_from, fake_translation, import_sample, make_user
from tests.integration.live import Browser, live_server

pytestmark = pytest.mark.integration
HX = {"HX-Request": "true"}


def drafted() -> Any:
    from service.translation.pipeline import translate_batch

    article = import_sample(languages=["ru"])
    translate_batch(article.id, "ru", [s.id for s in article.segments])
    return article


def test_editor_assigns_people_and_they_see_it_in_my_work(committed: Any) -> None:
    make_user("editor@example.org", "editor")
    ru = make_user("tr-ru@example.org", "translator", "ru")
    kk = make_user("tr-kk@example.org", "translator", "kk")
    article = drafted()
    with live_server(committed) as base:
        editor = Browser(base)
        editor.login("editor@example.org")
        page = editor.get(f"/articles/{article.id}").text
        assert "tr-ru@example.org" in page and "tr-kk@example.org (translator)" not in page  # kk cannot do ru
        saved = editor.http.post(f"{base}/articles/{article.id}/languages/ru/assign", timeout=10,
                                 data={"csrf_token": csrf_from(page), "people": [str(ru.id)]})
        assert "Assignments for" in saved.text and "Assigned:" in saved.text
        refused = editor.http.post(f"{base}/articles/{article.id}/languages/ru/assign", timeout=10,
                                   data={"csrf_token": csrf_from(saved.text), "people": [str(kk.id)]})
        assert "cannot work on" in refused.text

        translator = Browser(base)
        translator.login("tr-ru@example.org")
        dashboard = translator.get("/").text
        assert "My work" in dashboard and f"/review/{article.id}/ru" in dashboard
        forbidden = translator.http.post(f"{base}/articles/{article.id}/languages/ru/assign", timeout=10,
                                         data={"csrf_token": csrf_from(dashboard), "people": [str(ru.id)]})
        assert forbidden.status_code == 403


def test_comments_and_presence(committed: Any) -> None:
    make_user("a@example.org", "translator", "ru")
    make_user("b@example.org", "reviewer", "ru")
    make_user("kk@example.org", "translator", "kk")
    article = drafted()
    segment = article.segments[9]
    with live_server(committed) as base:
        a, b = Browser(base), Browser(base)
        a.login("a@example.org")
        b.login("b@example.org")
        editor = a.get(f"/review/{article.id}/ru").text
        url = f"/review/{article.id}/ru/segments/{segment.id}/comments"
        posted = a.http.post(base + url, data={"csrf_token": csrf_from(editor), "body": "Check the minister's name."},
                             headers=HX, timeout=10)
        assert posted.status_code == 200 and "Check the minister&#39;s name." in posted.text
        empty = a.http.post(base + url, data={"csrf_token": csrf_from(editor), "body": "  "}, headers=HX, timeout=10)
        assert empty.status_code == 422 and "the comment is empty" in empty.text
        assert "Check the minister&#39;s name." in b.get(url, headers=HX).text and "a@example.org" in b.get(url).text

        presence = f"/review/{article.id}/ru/presence"
        assert "Also editing" not in a.get(presence, headers=HX).text  # alone so far
        assert "a@example.org" in b.get(presence, headers=HX).text
        assert "b@example.org" in a.get(presence, headers=HX).text

        other = Browser(base)
        other.login("kk@example.org")
        assert other.get(url).status_code == 403 and other.get(presence).status_code == 403


def test_side_panel_shows_translation_memory_matches(committed: Any) -> None:
    from service.review import services

    reviewer = make_user("rev@example.org", "reviewer", "ru")
    article = drafted()
    approved = article.segments[10]
    row = services.get_translation(article.id, "ru", approved.id)
    services.approve(row, reviewer, base_version=row.version, text=fake_translation(approved.source, 11))
    second = import_sample(languages=["ru"], slug="the-same-story")
    twin = second.segments[10]
    with live_server(committed) as base:
        browser = Browser(base)
        browser.login("rev@example.org")
        panel = browser.get(f"/review/{second.id}/ru/segments/{twin.id}/tm", headers=HX).text
        assert "100%" in panel and "in context" in panel and "Перевод сегмента 11" in panel
        nothing = browser.get(f"/review/{second.id}/ru/segments/{second.segments[0].id}/tm", headers=HX).text
        assert "No translation memory matches." in nothing


def test_fuzzy_matches_show_their_score_and_a_diff_with_tags_as_chips(committed: Any) -> None:
    from service.extensions import db
    from service.review import queries
    from service.translation import memory

    make_user("tr@example.org", "translator", "ru")
    article = drafted()
    segment = next(s for s in article.segments if "{1}" in s.source and s.source.count(" ") > 6)
    words = segment.source.split(" ")
    # One plain word of the source changed: the memory holds a near miss.
    index = next(i for i, w in enumerate(words) if w.isalpha() and len(w) > 3)
    original, words[index] = words[index], "Zanzibar"
    near = " ".join(words)
    db.session.add(memory.TMUnit(source_lang="en", target_lang="ru", source=near, target="Перевод {1}ссылка{/1}.",
                                 source_hash=memory.unit_hash(near), origin="tmx"))
    db.session.commit()
    expected = memory.lookup(segment.source, "en", "ru", limit=3)
    assert expected and not expected[0].exact
    with live_server(committed) as base:
        browser = Browser(base)
        browser.login("tr@example.org")
        panel = browser.get(f"/review/{article.id}/ru/segments/{segment.id}/tm", headers=HX).text
    assert f"{expected[0].score}%" in panel and expected[0].score < 100
    # Struck out: only in the match; underlined: only in this segment; tags as chips, unchanged ones outside.
    assert f"<del>Zanzibar</del><ins>{original}</ins>" in panel
    assert CHIP_OPEN_1 in panel and "{1}" not in panel.replace('title="{1}"', "")
    assert '<p class="tm-target" lang="ru">Перевод ' + CHIP_OPEN_1 + 'ссылка' in panel
    # A placeholder is one token of its own: a diff never cuts into it.
    assert queries.word_diff("a {1}b{/1} c", "a {1}x{/1} c") == [
        ("same", "a {1}"), ("del", "b"), ("ins", "x"), ("same", "{/1} c")]
