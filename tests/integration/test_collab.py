"""Working together: editors assign languages ("my work"), comments per segment, who else is editing,
and translation-memory matches in the editor's side panel."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import csrf_from, fake_translation, import_sample, make_user
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
