"""The staff side over real HTTP: login, CSRF, rights, the side-by-side editor, conflicts and history."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from markupsafe import escape

from service.review.panel import PANEL_SECTIONS
from service.review.views import tagchips
from tests.factories import CHIP_OPEN_1, PASSWORD, csrf_from, fake_translation, import_sample, make_user
from tests.integration.live import Browser, live_server

pytestmark = [pytest.mark.integration]

CSRF_MESSAGE = "The form expired or was not sent from this site."
SEGMENT_RE = re.compile(r'<li class="segment state-([a-z_]+)" id="seg-(\d+)">(.*?)</li>', re.S)


# --- helpers -------------------------------------------------------------------------------------------------------

def drafted_article(langs: tuple[str, ...] = ("ru",)) -> Any:
    """The sample with pseudo drafts for every segment (written here, whether or not a worker also runs)."""
    from service.translation.pipeline import translate_batch

    article = import_sample(languages=list(langs))
    article_id, segment_ids = article.id, [s.id for s in article.segments]
    for lang in langs:
        translate_batch(article_id, lang, segment_ids)
    return article


def segment_at(article: Any, position: int) -> Any:
    return next(s for s in article.segments if s.position == position)


def fresh_translation(article_id: int, segment_id: int, lang: str = "ru") -> Any:
    from service.extensions import db
    from service.review import services

    db.session.expire_all()
    return services.get_translation(article_id, lang, segment_id)


def snapshot_of(row: Any) -> tuple[Any, ...]:
    return row.state, row.text, row.version, row.origin, row.engine


def version_in(page: str, segment_id: int) -> int:
    match = re.search(rf'id="seg-{segment_id}".*?name="version" value="(\d+)"', page, re.S)
    assert match, f"segment {segment_id} is not on the page"
    return int(match.group(1))


def act(browser: Browser, page: str, article_id: int, segment_id: int, **data: Any) -> requests.Response:
    """Submit one segment's form as the page rendered it (token and version from ``page``)."""
    fields = {"csrf_token": csrf_from(page), "version": str(version_in(page, segment_id)), "text": "", **data}
    return browser.http.post(f"{browser.base}/review/{article_id}/ru/segments/{segment_id}", data=fields,
                             timeout=30)


def flashes(page: str) -> str:
    """The flashed messages on a page, unescaped, for readable assertions."""
    return " | ".join(htmllib.unescape(m) for m in re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', page, re.S))


def events_for(segment_id: int, lang: str = "ru") -> list[Any]:
    from service.extensions import db
    from service.review import services

    db.session.expire_all()
    return services.history(segment_id, lang)


def ru_is_published(article_id: int) -> bool:
    from sqlalchemy import select

    from service.extensions import db
    from service.publishing.models import LanguageVersion

    db.session.expire_all()
    version = db.session.scalar(select(LanguageVersion).filter_by(article_id=article_id, lang="ru"))
    assert version is not None
    return version.is_published


# --- login, logout, passwords ----------------------------------------------------------------------------------------

def test_login_refuses_wrong_password_and_redirects_anonymous_users(committed: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    article = drafted_article()
    with live_server(committed) as base:
        browser = Browser(base)
        for email, password in (("translator@example.org", "wrong-password"), ("nobody@example.org", PASSWORD)):
            token = csrf_from(browser.get("/login").text)
            refused = browser.http.post(f"{base}/login", data={"email": email, "password": password,
                                                              "csrf_token": token}, timeout=30)
            assert refused.status_code == 401
            assert "Wrong e-mail address or password." in flashes(refused.text)
            assert "Log out" not in refused.text
        # No session came out of it: the dashboard still sends this browser to the login page.
        anonymous = browser.get("/", allow_redirects=False)
        assert anonymous.status_code == 302
        location = urlsplit(anonymous.headers["Location"])
        assert location.path == "/login" and parse_qs(location.query)["next"] == ["/"]

        # After logging in, a local ``next`` is followed.
        wanted = f"/review/{article.id}/ru"
        redirect = browser.get(wanted, allow_redirects=False)
        assert redirect.status_code == 302
        assert parse_qs(urlsplit(redirect.headers["Location"]).query)["next"] == [wanted]
        login_url = urljoin(base + "/", redirect.headers["Location"])
        token = csrf_from(browser.http.get(login_url, timeout=30).text)
        landed = browser.http.post(login_url, data={"email": "translator@example.org", "password": PASSWORD,
                                                    "csrf_token": token}, timeout=30)
        assert landed.status_code == 200 and urlsplit(landed.url).path == wanted
        assert "Log out" in landed.text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example/",
                                    "///evil.example/", "/\\/evil.example/"])
def test_login_does_not_follow_next_to_another_host(committed: Any, target: str) -> None:
    make_user("translator@example.org", "translator", "ru")
    with live_server(committed) as base:
        browser = Browser(base)
        login_page = browser.http.get(f"{base}/login", params={"next": target}, timeout=30)
        response = browser.http.post(login_page.url, data={"email": "translator@example.org", "password": PASSWORD,
                                                           "csrf_token": csrf_from(login_page.text)},
                                     allow_redirects=False, timeout=30)
        assert response.status_code == 302
        assert stays_here(base, response.headers["Location"]), response.headers["Location"]
        assert browser.get("/").status_code == 200  # the login itself worked
        # Already logged in, the login page applies the same rule.
        again = browser.http.get(f"{base}/login", params={"next": target}, allow_redirects=False, timeout=30)
        assert again.status_code == 302 and stays_here(base, again.headers["Location"])


def stays_here(base: str, location: str) -> bool:
    """Where a browser would go: it reads a backslash as "/" in URLs, so "/\\host" is as foreign as "//host"."""
    resolved = urlsplit(urljoin(base + "/", location.replace("\\", "/")))
    return resolved.netloc == urlsplit(base).netloc and not resolved.path.startswith("//")


def test_logout_is_post_only_and_needs_the_csrf_token(committed: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    with live_server(committed) as base:
        browser = Browser(base)
        browser.login("translator@example.org")
        # GET never logs out (the path is POST-only; a GET falls through to the reader routes).
        assert browser.get("/logout").status_code in (404, 405)
        assert browser.get("/", allow_redirects=False).status_code == 200
        refused = browser.http.post(f"{base}/logout", timeout=30)
        assert refused.status_code == 400 and CSRF_MESSAGE in refused.text
        assert browser.get("/", allow_redirects=False).status_code == 200  # still logged in

        done = browser.post_form("/", "/logout", {})
        assert done.status_code == 200 and "You are logged out." in done.text
        assert urlsplit(done.url).path == "/login"
        after = browser.get("/", allow_redirects=False)
        assert after.status_code == 302 and urlsplit(after.headers["Location"]).path == "/login"


def test_passwords_are_stored_hashed(db: Any) -> None:
    from sqlalchemy import text
    from werkzeug.security import check_password_hash

    from service.accounts import services

    make_user("translator@example.org", "translator", "ru")
    stored = db.session.execute(text("SELECT password_hash FROM users WHERE email = 'translator@example.org'")).scalar()
    assert PASSWORD not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))
    assert check_password_hash(stored, PASSWORD) and not check_password_hash(stored, PASSWORD + "x")
    assert services.authenticate("Translator@Example.org ", PASSWORD) is not None
    assert services.authenticate("translator@example.org", PASSWORD.upper()) is None


# --- CSRF -------------------------------------------------------------------------------------------------------------

def test_posts_without_the_csrf_token_change_nothing(committed: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    make_user("editor@example.org", "editor")
    article = drafted_article()
    segment = segment_at(article, 9)
    before = snapshot_of(fresh_translation(article.id, segment.id))
    with live_server(committed) as base:
        anonymous = Browser(base)
        anonymous.get("/login")  # a session cookie, but no token in the form
        login = anonymous.http.post(f"{base}/login", data={"email": "translator@example.org",
                                                          "password": PASSWORD}, timeout=30)
        assert login.status_code == 400 and CSRF_MESSAGE in login.text
        assert anonymous.get("/", allow_redirects=False).status_code == 302

        translator = Browser(base)
        translator.login("translator@example.org")
        page = translator.get(f"/review/{article.id}/ru").text
        saved = translator.http.post(f"{base}/review/{article.id}/ru/segments/{segment.id}", timeout=30,
                                     data={"version": version_in(page, segment.id), "action": "save",
                                           "text": "Подделанный перевод"})
        assert saved.status_code == 400 and CSRF_MESSAGE in saved.text
        assert snapshot_of(fresh_translation(article.id, segment.id)) == before

        editor = Browser(base)
        editor.login("editor@example.org")
        published = editor.http.post(f"{base}/articles/{article.id}/languages/ru/publish", timeout=30,
                                     data={"force": "y", "reason": "no token"})
        assert published.status_code == 400 and CSRF_MESSAGE in published.text
        assert not ru_is_published(article.id)

        logout = editor.http.post(f"{base}/logout", timeout=30)
        assert logout.status_code == 400 and CSRF_MESSAGE in logout.text
        assert editor.get("/", allow_redirects=False).status_code == 200


# --- the editor page ------------------------------------------------------------------------------------------------

def test_review_page_shows_source_and_target_side_by_side(committed: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    article = drafted_article()
    rows = {s.id: (s.source, fresh_translation(article.id, s.id)) for s in article.segments}
    with live_server(committed) as base:
        translator = Browser(base)
        translator.login("translator@example.org")
        page = translator.get(f"/review/{article.id}/ru")
        assert page.status_code == 200
        items = SEGMENT_RE.findall(page.text)
        assert [int(sid) for _, sid, _ in items] == [s.id for s in article.segments]
        for state, sid, body in items:
            source, row = rows[int(sid)]
            assert state == "draft" == row.state
            assert '<span class="badge state-draft">draft</span>' in body
            # The source with its placeholders shown as tag chips, the text escaped.
            assert f'<div class="source" lang="en">{tagchips(source)}</div>' in body
            if "{1}" in source:
                assert CHIP_OPEN_1 in body
            assert re.search(rf'<textarea id="t-{sid}" name="text" lang="ru"[^>]*>{re.escape(str(escape(row.text)))}'
                             r"</textarea>", body), sid
            assert row.text.startswith("⟦") and "PSEUDO" in body

        # One segment saved by a person: the draft filter lists only the others, all drafts.
        target = segment_at(article, 9)
        saved = act(translator, page.text, article.id, target.id, action="save",
                    text=fake_translation(target.source, 10))
        assert "Saved segment 10." in saved.text
        drafts = SEGMENT_RE.findall(translator.get(f"/review/{article.id}/ru?state=draft").text)
        assert len(drafts) == len(article.segments) - 1
        assert {state for state, _, _ in drafts} == {"draft"}
        assert str(target.id) not in {sid for _, sid, _ in drafts}
        translated = SEGMENT_RE.findall(translator.get(f"/review/{article.id}/ru?state=translated").text)
        assert [(state, int(sid)) for state, sid, _ in translated] == [("translated", target.id)]
        assert "PSEUDO" not in translated[0][2]


# --- rights ---------------------------------------------------------------------------------------------------------

def test_rights_by_role_and_language(committed: Any) -> None:
    make_user("kk@example.org", "translator", "kk")
    make_user("translator@example.org", "translator", "ru")
    make_user("reviewer@example.org", "reviewer", "ru")
    make_user("editor@example.org", "editor")
    article = drafted_article()
    first, second = segment_at(article, 9), segment_at(article, 10)
    with live_server(committed) as base:
        # A translator for another language can neither open nor save Russian.
        kazakh = Browser(base)
        kazakh.login("kk@example.org")
        assert kazakh.get(f"/review/{article.id}/ru").status_code == 403
        before = snapshot_of(fresh_translation(article.id, first.id))
        forbidden = kazakh.post_form("/", f"/review/{article.id}/ru/segments/{first.id}",
                                     {"version": before[2], "action": "save", "text": "Аударма"})
        assert forbidden.status_code == 403
        assert snapshot_of(fresh_translation(article.id, first.id)) == before

        # A Russian translator saves (human, translated, version + 1) but cannot approve.
        translator = Browser(base)
        translator.login("translator@example.org")
        page = translator.get(f"/review/{article.id}/ru").text
        assert 'value="approve"' not in page
        text = fake_translation(first.source, 10)
        assert "Saved segment 10." in act(translator, page, article.id, first.id, action="save", text=text).text
        row = fresh_translation(article.id, first.id)
        assert (row.state, row.origin, row.text, row.engine, row.version) == ("translated", "human", text, None,
                                                                             before[2] + 1)
        page = translator.get(f"/review/{article.id}/ru").text
        refused = act(translator, page, article.id, first.id, action="approve")
        assert refused.status_code == 200
        assert "Segment 10: you have no rights to approve 'ru'" in flashes(refused.text)
        assert snapshot_of(fresh_translation(article.id, first.id)) == snapshot_of(row)

        # A Russian reviewer approves one segment and sends another back.
        reviewer = Browser(base)
        reviewer.login("reviewer@example.org")
        page = reviewer.get(f"/review/{article.id}/ru").text
        assert 'value="approve"' in page and 'value="send_back"' in page
        assert "Approved segment 10." in act(reviewer, page, article.id, first.id, action="approve").text
        assert fresh_translation(article.id, first.id).state == "approved"
        sent = act(reviewer, page, article.id, second.id, action="send_back", note="Too literal")
        assert "Sent segment 11 back." in sent.text
        assert fresh_translation(article.id, second.id).state == "needs_work"

        # Publishing: never by GET, never by a translator, by an editor with the button.
        publish_url = f"/articles/{article.id}/languages/ru/publish"
        assert translator.post_form("/", publish_url, {"force": "y", "reason": "mine"}).status_code == 403
        assert "Publish русский" not in translator.get(f"/articles/{article.id}").text
        editor = Browser(base)
        editor.login("editor@example.org")
        assert editor.get(publish_url).status_code == 405
        assert not ru_is_published(article.id)
        detail = editor.get(f"/articles/{article.id}").text
        assert f'action="{publish_url}"' in detail and "Publish русский" in detail
        published = editor.post_form(f"/articles/{article.id}", publish_url,
                                     {"force": "y", "reason": "rights test"})
        assert published.status_code == 200 and "Published the русский version." in published.text
        assert ru_is_published(article.id)


# --- conflicts ------------------------------------------------------------------------------------------------------

def test_stale_save_gets_the_conflict_view_and_keep_mine_saves(committed: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    make_user("reviewer@example.org", "reviewer", "ru")
    article = drafted_article()
    segment = segment_at(article, 9)
    with live_server(committed) as base:
        a, b = Browser(base), Browser(base)
        a.login("translator@example.org")
        b.login("reviewer@example.org")
        page_a = a.get(f"/review/{article.id}/ru").text
        page_b = b.get(f"/review/{article.id}/ru").text
        opened = version_in(page_b, segment.id)

        text_a = "Министр {1}недавно объявил{/1} — версия A"
        text_b = "Министр {1}на днях заявил{/1} & <версия> \"B\""
        assert "Saved segment 10." in act(a, page_a, article.id, segment.id, action="save", text=text_a).text
        current = fresh_translation(article.id, segment.id).version
        assert current == opened + 1

        conflict = act(b, page_b, article.id, segment.id, action="save", text=text_b)
        assert conflict.status_code == 409
        assert 'id="conflict"' in conflict.text
        assert f'<pre class="theirs">{escape(text_a)}</pre>' in conflict.text
        assert f'<pre class="yours">{escape(text_b)}</pre>' in conflict.text
        assert fresh_translation(article.id, segment.id).text == text_a

        # "Keep mine": the conflict form carries B's text and the current version.
        section = re.search(r'<section class="conflict".*?</section>', conflict.text, re.S)
        assert section
        form = dict((name, htmllib.unescape(value)) for name, value in re.findall(
            r'<input type="hidden" name="(\w+)" value="([^"]*)">', section.group(0)))
        assert form["version"] == str(current) and form["text"] == text_b
        action_match = re.search(r'<form method="post" action="([^"]+)"', section.group(0))
        assert action_match
        action = htmllib.unescape(action_match.group(1))
        kept = b.http.post(base + action, data=form, timeout=30)
        assert kept.status_code == 200 and "Saved segment 10." in kept.text
        row = fresh_translation(article.id, segment.id)
        assert (row.text, row.state, row.version) == (text_b, "translated", current + 1)
        assert [e.new_text for e in events_for(segment.id) if e.action == "save"] == [text_a, text_b]


# --- history --------------------------------------------------------------------------------------------------------

def test_every_change_leaves_one_history_row(committed: Any) -> None:
    from sqlalchemy import select

    from service.accounts.models import User
    from service.extensions import db

    make_user("translator@example.org", "translator", "ru")
    make_user("reviewer@example.org", "reviewer", "ru")
    article = drafted_article()
    segment = segment_at(article, 10)
    draft = fresh_translation(article.id, segment.id).text
    ids = {u.email: u.id for u in db.session.scalars(select(User))}

    events = events_for(segment.id)
    assert [(e.action, e.user_id, e.old_state, e.new_state, e.old_text, e.new_text, e.data.get("engine"))
            for e in events] == [("draft", None, "queued", "draft", None, draft, "pseudo")]
    every_draft = [e for s in article.segments for e in events_for(s.id) if e.action == "draft"]
    assert len(every_draft) == len(article.segments) and {e.data["engine"] for e in every_draft} == {"pseudo"}

    first, second = "Но, похоже, Россия не может удержаться.", "Но, похоже, Россия не может не вмешиваться."
    with live_server(committed) as base:
        translator, reviewer = Browser(base), Browser(base)
        translator.login("translator@example.org")
        reviewer.login("reviewer@example.org")
        url = f"/review/{article.id}/ru"
        assert "Saved" in act(translator, translator.get(url).text, article.id, segment.id, action="save",
                              text=first).text
        assert "Sent segment" in act(reviewer, reviewer.get(url).text, article.id, segment.id, action="send_back",
                                     note="Closer to the source, please").text
        assert "Saved" in act(translator, translator.get(url).text, article.id, segment.id, action="save",
                              text=second).text
        assert "Approved" in act(reviewer, reviewer.get(url).text, article.id, segment.id, action="approve").text

    t, r = ids["translator@example.org"], ids["reviewer@example.org"]
    events = events_for(segment.id)
    assert [(e.action, e.user_id, e.old_state, e.new_state, e.old_text, e.new_text) for e in events] == [
        ("draft", None, "queued", "draft", None, draft),
        ("save", t, "draft", "translated", draft, first),
        ("send_back", r, "translated", "needs_work", first, first),
        ("save", t, "needs_work", "translated", first, second),
        ("approve", r, "translated", "approved", second, second),
    ]
    assert events[2].data["note"] == "Closer to the source, please"
    assert [e.data["version"] for e in events[1:]] == [3, 4, 5, 6]
    assert fresh_translation(article.id, segment.id).version == 6


# --- placeholders ---------------------------------------------------------------------------------------------------

def test_placeholders_must_survive_approval_and_unknown_ones_are_refused(committed: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    make_user("reviewer@example.org", "reviewer", "ru")
    article = drafted_article()
    segment = segment_at(article, 9)
    assert "{1}" in segment.source and "{/1}" in segment.source and "9" not in segment.tags
    url = f"/review/{article.id}/ru"
    with live_server(committed) as base:
        translator, reviewer = Browser(base), Browser(base)
        translator.login("translator@example.org")
        reviewer.login("reviewer@example.org")

        # Saving without the tags is allowed (work in progress); approving it is not.
        untagged = "Министр Лавров недавно объявил, что Россия не против."
        assert "Saved segment 10." in act(translator, translator.get(url).text, article.id, segment.id,
                                          action="save", text=untagged).text
        stored = snapshot_of(fresh_translation(article.id, segment.id))
        refused = act(reviewer, reviewer.get(url).text, article.id, segment.id, action="approve")
        message = "Segment 10: the translation must keep every tag of the source: missing {1} {/1}"
        assert message in flashes(refused.text)
        assert snapshot_of(fresh_translation(article.id, segment.id)) == stored
        # The same check applies to a text the reviewer corrects in the approve step.
        refused = act(reviewer, reviewer.get(url).text, article.id, segment.id, action="approve",
                      text="Министр {1}недавно объявил, что Россия не против.")
        assert "Segment 10: the tags in the translation do not match the source" in flashes(refused.text)
        assert snapshot_of(fresh_translation(article.id, segment.id)) == stored

        unknown = act(translator, translator.get(url).text, article.id, segment.id, action="save",
                      text="Министр {9}недавно объявил{/9}.")
        assert "Segment 10: the tags in the translation do not match the source: unknown placeholder {9}" \
            in unknown.text
        assert snapshot_of(fresh_translation(article.id, segment.id)) == stored

        # With the tags back, the approval goes through.
        tagged = "Министр Лавров {1}недавно объявил{/1}, что Россия не против."
        assert "Approved segment 10." in act(reviewer, reviewer.get(url).text, article.id, segment.id,
                                             action="approve", text=tagged).text
        row = fresh_translation(article.id, segment.id)
        assert (row.state, row.text) == ("approved", tagged)


# --- htmx partials, filters, progress, history, block approval -----------------------------------------------------

HX = {"HX-Request": "true"}


def test_htmx_requests_get_the_segment_partial_and_conflicts_keep_409(committed: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    make_user("reviewer@example.org", "reviewer", "ru")
    article = drafted_article()
    segment = segment_at(article, 9)
    url = f"/review/{article.id}/ru"
    with live_server(committed) as base:
        a, b = Browser(base), Browser(base)
        a.login("translator@example.org")
        b.login("reviewer@example.org")
        page_a, page_b = a.get(url).text, b.get(url).text
        text_a = "Министр {1}недавно объявил{/1}"
        saved = a.http.post(f"{base}{url}/segments/{segment.id}", headers=HX, timeout=30, data={
            "csrf_token": csrf_from(page_a), "version": version_in(page_a, segment.id), "action": "save",
            "text": text_a})
        assert saved.status_code == 200 and saved.headers["HX-Trigger"] == "segment-changed"
        assert saved.text.lstrip().startswith(f'<li class="segment state-translated" id="seg-{segment.id}">')
        assert "<html" not in saved.text and "Saved segment 10." in saved.text
        assert version_in(saved.text, segment.id) == fresh_translation(article.id, segment.id).version

        conflict = b.http.post(f"{base}{url}/segments/{segment.id}", headers=HX, timeout=30, data={
            "csrf_token": csrf_from(page_b), "version": version_in(page_b, segment.id), "action": "save",
            "text": "версия B"})
        assert conflict.status_code == 409 and "<html" not in conflict.text
        assert f'id="conflict-{segment.id}"' in conflict.text and 'hx-post="' in conflict.text
        assert f'<pre class="theirs">{escape(text_a)}</pre>' in conflict.text
        assert '<pre class="yours">версия B</pre>' in conflict.text
        assert fresh_translation(article.id, segment.id).text == text_a

        # A refused approval (missing tag) comes back inline, keeping what was typed.
        page_b = b.get(url).text
        refused = b.http.post(f"{base}{url}/segments/{segment.id}", headers=HX, timeout=30, data={
            "csrf_token": csrf_from(page_b), "version": version_in(page_b, segment.id), "action": "approve",
            "text": "Министр без тегов"})
        assert refused.status_code == 200
        assert 'class="seg-message error"' in refused.text and "missing {1} {/1}" in refused.text
        assert ">Министр без тегов</textarea>" in refused.text
        assert fresh_translation(article.id, segment.id).state == "translated"

        # Without htmx the same refusal is flashed and shown inside the segment after the redirect.
        plain = act(b, page_b, article.id, segment.id, action="approve", text="Министр без тегов")
        assert "missing {1} {/1}" in flashes(plain.text)
        inline = re.search(rf'id="seg-{segment.id}">.*?class="seg-message error"[^>]*>([^<]*)', plain.text, re.S)
        assert inline and "missing {1} {/1}" in htmllib.unescape(inline.group(1))

        # GET of one segment: the partial for htmx, the editor for everyone else.
        assert b.get(f"{url}/segments/{segment.id}", headers=HX).text.lstrip().startswith('<li class="segment')
        assert b.get(f"{url}/segments/{segment.id}", allow_redirects=False).status_code == 302


def test_filters_blocks_and_side_panel(committed: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    article = drafted_article()
    target = segment_at(article, 9)
    with live_server(committed) as base:
        translator = Browser(base)
        translator.login("translator@example.org")
        url = f"/review/{article.id}/ru"
        page = translator.get(url)
        assert re.fullmatch(r"app;dur=\d+\.\d\d", page.headers["Server-Timing"])  # read by bench/ui.py
        act(translator, page.text, article.id, target.id, action="save", text="Особый перевод")
        human = SEGMENT_RE.findall(translator.get(f"{url}?origin=human").text)
        assert [int(sid) for _, sid, _ in human] == [target.id]
        machine = SEGMENT_RE.findall(translator.get(f"{url}?origin=mt").text)
        assert len(machine) == len(article.segments) - 1
        found = SEGMENT_RE.findall(translator.get(url, params={"q": "особый"}).text)
        assert [int(sid) for _, sid, _ in found] == [target.id]
        word = target.source.split()[1]
        by_source = {int(sid) for _, sid, _ in SEGMENT_RE.findall(translator.get(url, params={"q": word}).text)}
        assert target.id in by_source
        assert "No segments in this view." in translator.get(url, params={"q": "zzzz-nothing"}).text

        page = translator.get(url).text
        blocks = re.findall(r'<section class="block" id="block-(\d+)"', page)
        assert len(blocks) == len({s.block_id for s in article.segments})
        multi = next(b for b in article.blocks if len(b.segments) > 1)
        assert f'id="block-{multi.id}"' in page and 'class="block-source"' in page
        # The side panel: the machine draft with its engine even after a person's edit, then one slot per section
        # of PANEL_SECTIONS, loaded by htmx when the segment takes the focus.
        row = fresh_translation(article.id, target.id)
        body = re.search(rf'id="seg-{target.id}">(.*?)</aside>', page, re.S)
        assert body and "Engine: pseudo" in body.group(1) and str(tagchips(row.mt_text)) in body.group(1)
        slots = re.findall(r'data-slot="(\w+)" id="\w+-slot-\d+"\s+hx-get="([^"]+)" '
                           r'hx-trigger="focusin from:closest li once" hx-target="this"', body.group(1))
        assert [key for key, _ in slots] == [section.key for section in PANEL_SECTIONS]
        assert [section.key for section in PANEL_SECTIONS] == ["tm", "glossary", "comments"]
        for key, slot_url in slots:
            assert slot_url.startswith(f"{url}/segments/{target.id}/")
            fragment = translator.get(slot_url, headers=HX)
            assert fragment.status_code == 200 and "<html" not in fragment.text, key


def test_a_panel_section_plugs_in_with_one_entry(committed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from flask_babel import lazy_gettext

    from service.review import panel

    # Any endpoint taking (article_id, lang, segment_id) that answers a fragment to htmx will do: here, history.
    extra = panel.PanelSection("hist", lazy_gettext("History"), "review.history", lazy_gettext("History"))
    monkeypatch.setattr(panel, "PANEL_SECTIONS", (*panel.PANEL_SECTIONS, extra))
    make_user("translator@example.org", "translator", "ru")
    article = drafted_article()
    target = segment_at(article, 3)
    with live_server(committed) as base:
        translator = Browser(base)
        translator.login("translator@example.org")
        url = f"/review/{article.id}/ru"
        partial = translator.get(f"{url}/segments/{target.id}", headers=HX).text
        slot = re.search(rf'data-slot="hist" id="hist-slot-{target.id}"\s+hx-get="([^"]+)"', partial)
        assert slot and slot.group(1) == f"{url}/segments/{target.id}/history"
        assert f"History of segment {target.position + 1}" in translator.get(slot.group(1), headers=HX).text


def test_progress_polls_only_while_segments_are_queued(committed: Any) -> None:
    from service.extensions import db
    from service.publishing.models import LanguageVersion
    from service.translation.models import Translation

    make_user("translator@example.org", "translator", "ru")
    # Queued rows with no message on the broker: a worker running for other tests cannot draft them.
    article = import_sample(languages=[])
    db.session.add(LanguageVersion(article_id=article.id, lang="ru"))
    for segment in article.segments:
        db.session.add(Translation(segment_id=segment.id, article_id=article.id, lang="ru", state="queued",
                                   source_hash=segment.source_hash))
    db.session.commit()
    with live_server(committed) as base:
        translator = Browser(base)
        translator.login("translator@example.org")
        url = f"/review/{article.id}/ru/progress"
        queued = translator.get(url, headers=HX)
        assert 'hx-trigger="every 2s' in queued.text and "waiting for machine translation" in queued.text
        assert "HX-Trigger" not in queued.headers
        db.session.query(Translation).filter_by(article_id=article.id).update({"state": "draft"})
        db.session.commit()
        done = translator.get(url + "?polling=1", headers=HX)
        assert "every 2s" not in done.text and done.headers["HX-Trigger"] == "drafts-finished"
        assert f"0 of {len(article.segments)} approved" in done.text


def test_history_partial_shows_word_diffs(committed: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    article = drafted_article()
    segment = segment_at(article, 10)
    with live_server(committed) as base:
        translator = Browser(base)
        translator.login("translator@example.org")
        url = f"/review/{article.id}/ru"
        act(translator, translator.get(url).text, article.id, segment.id, action="save", text="Россия не может помочь")
        act(translator, translator.get(url).text, article.id, segment.id, action="save", text="Россия не хочет помочь")
        partial = translator.get(f"{url}/segments/{segment.id}/history", headers=HX).text
        assert "<html" not in partial and "translator@example.org" in partial
        assert "Россия не <del>может</del><ins>хочет</ins> помочь" in partial
        assert "machine translation (pseudo)" in partial
        labels = re.findall(r'<strong data-action="(\w+)">([^<]+)</strong>', partial)
        assert labels == [("save", "saved"), ("save", "saved"), ("draft", "machine draft")]
        russian = translator.post_form(url, "/account/locale", {"locale": "ru"})
        assert russian.status_code == 200
        assert '<strong data-action="draft">машинный черновик</strong>' in translator.get(
            f"{url}/segments/{segment.id}/history", headers=HX).text
        full = translator.get(f"{url}/segments/{segment.id}/history")
        assert full.status_code == 200 and "<html" in full.text and "<ins>хочет</ins>" in full.text


def test_block_approval_takes_only_clean_segments(committed: Any) -> None:
    from service.review import queries

    make_user("translator@example.org", "translator", "ru")
    make_user("reviewer@example.org", "reviewer", "ru")
    article = drafted_article()
    block = next(b for b in article.blocks if len(b.segments) > 1 and any("{1}" in s.source for s in b.segments))
    tagged = next(s for s in block.segments if "{1}" in s.source)
    url = f"/review/{article.id}/ru"
    with live_server(committed) as base:
        translator, reviewer = Browser(base), Browser(base)
        translator.login("translator@example.org")
        reviewer.login("reviewer@example.org")
        act(translator, translator.get(url).text, article.id, tagged.id, action="save", text="Без тегов")
        assert "block-approve" not in translator.get(url).text
        refused = translator.post_form(url, f"{url}/blocks/{block.id}/approve", {})
        assert "you have no rights to approve" in flashes(refused.text)

        done = reviewer.post_form(url, f"{url}/blocks/{block.id}/approve", {})
        assert done.status_code == 200
        clean = len(block.segments) - 1
        assert f"approved {clean}, skipped 1." in flashes(done.text)
        states = {s.id: fresh_translation(article.id, s.id).state for s in block.segments}
        assert states.pop(tagged.id) == "translated" and set(states.values()) == {"approved"}
        assert all(e.data["version"] == 3 for s in block.segments if s.id != tagged.id
                   for e in events_for(s.id) if e.action == "approve")
    assert queries.word_diff("a b c", "a x c") == [("same", "a "), ("del", "b"), ("ins", "x"), ("same", " c")]


def test_a_reviewer_sends_back_a_whole_block_with_one_note(committed: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    make_user("reviewer@example.org", "reviewer", "ru")
    article = drafted_article()
    block = next(b for b in article.blocks if len(b.segments) > 2)
    url = f"/review/{article.id}/ru"
    with live_server(committed) as base:
        translator, reviewer = Browser(base), Browser(base)
        translator.login("translator@example.org")
        reviewer.login("reviewer@example.org")
        assert f"{url}/blocks/{block.id}/send-back" not in translator.get(url).text
        refused = translator.post_form(url, f"{url}/blocks/{block.id}/send-back", {"note": "no"})
        assert "you have no rights to review" in flashes(refused.text)
        assert {fresh_translation(article.id, s.id).state for s in block.segments} == {"draft"}

        first = block.segments[0]
        act(reviewer, reviewer.get(url).text, article.id, first.id, action="send_back")  # already sent back
        page = reviewer.get(url).text
        assert f"{url}/blocks/{block.id}/send-back" in page
        done = reviewer.post_form(url, f"{url}/blocks/{block.id}/send-back", {"note": "Wrong register throughout."})
        assert f"sent back {len(block.segments) - 1}, skipped 1." in flashes(done.text)
        assert {fresh_translation(article.id, s.id).state for s in block.segments} == {"needs_work"}
        notes = [e.data.get("note") for s in block.segments[1:] for e in events_for(s.id) if e.action == "send_back"]
        assert notes == ["Wrong register throughout."] * (len(block.segments) - 1)


def test_cached_segments_are_never_stale_and_carry_each_sessions_own_token(committed: Any) -> None:
    from service.extensions import db
    from service.review.fragments import CSRF_MARK
    from service.translation.models import Translation

    make_user("a@example.org", "translator", "ru")
    make_user("b@example.org", "reviewer", "ru")
    article = drafted_article()
    target = segment_at(article, 5)
    url = f"/review/{article.id}/ru"
    with live_server(committed) as base:
        a, b = Browser(base), Browser(base)
        a.login("a@example.org")
        b.login("b@example.org")
        first, again, other = a.get(url).text, a.get(url).text, b.get(url).text

        def tokens(page: str) -> set[str]:
            return set(re.findall(r'<li class="segment.*?name="csrf_token" value="([^"]+)"', page, re.S))

        # Every segment form has this session's token (the cache holds a marker, never a token).
        assert CSRF_MARK not in again and tokens(first) and not tokens(first) & tokens(other)
        assert a.http.post(base + f"{url}/segments/{target.id}", timeout=30, data={
            "csrf_token": tokens(again).pop(), "version": version_in(again, target.id), "action": "save",
            "text": "Первая правка"}).status_code == 200
        assert "Первая правка" in dict((sid, body) for _, sid, body in SEGMENT_RE.findall(a.get(url).text))[
            str(target.id)]
        # A reviewer sees other buttons on the same segments: rights are part of what is cached.
        assert 'value="approve"' in other and 'value="approve"' not in again
        # A row changed behind the editor's back (no version bump) is shown as it is now.
        db.session.query(Translation).filter_by(article_id=article.id, lang="ru", segment_id=target.id).update(
            {"text": "Изменено в базе"})
        db.session.commit()
        shown = dict((sid, body) for _, sid, body in SEGMENT_RE.findall(a.get(url).text))[str(target.id)]
        assert "Изменено в базе" in shown and "Первая правка" not in shown


def test_links_are_retargeted_per_language_in_the_editor(committed: Any) -> None:
    from service.translation.links import link_slots

    make_user("translator@example.org", "translator", "ru")
    make_user("kk@example.org", "translator", "kk")
    article = drafted_article()
    segment = next(s for s in article.segments if link_slots(s.tags))
    n, source_href = next(iter(link_slots(segment.tags).items()))
    field = f"link-{n}"
    with live_server(committed) as base:
        translator = Browser(base)
        translator.login("translator@example.org")
        url = f"/review/{article.id}/ru"
        page = translator.get(url).text
        assert f'name="{field}"' in page and f'placeholder="{htmllib.escape(source_href)}"' in page
        before = snapshot_of(fresh_translation(article.id, segment.id))

        refused = act(translator, page, article.id, segment.id, action="links", **{field: "javascript:alert(1)"})
        assert refused.status_code == 200 and "http(s) URL or a path on this site" in flashes(refused.text)
        assert fresh_translation(article.id, segment.id).link_targets is None

        target = "https://ru.example.org/статья"
        saved = act(translator, page, article.id, segment.id, action="links", **{field: target})
        assert saved.status_code == 200 and f"Saved the links of segment {segment.position + 1}." in flashes(saved.text)
        row = fresh_translation(article.id, segment.id)
        state, text, version, origin, _engine = before
        assert row.link_targets == {n: target} and row.version == version + 1
        assert (row.state, row.text, row.origin) == (state, text, origin)  # only the links changed
        assert [e.action for e in events_for(segment.id)][-1] == "links"
        assert f'value="{htmllib.escape(target)}"' in saved.text  # the cached segment was re-rendered

        # A form rendered before the change carries the old version: a conflict, never an overwrite.
        stale = act(translator, page, article.id, segment.id, action="links", **{field: "/ru/other"})
        assert stale.status_code == 409 and fresh_translation(article.id, segment.id).link_targets == {n: target}
        # The source's own target (or an empty field) removes the override.
        cleared = act(translator, saved.text, article.id, segment.id, action="links", **{field: source_href})
        assert cleared.status_code == 200 and fresh_translation(article.id, segment.id).link_targets is None

        other = Browser(base)
        other.login("kk@example.org")
        denied = other.http.post(f"{base}/review/{article.id}/ru/segments/{segment.id}", timeout=30,
                                 data={"csrf_token": csrf_from(other.get("/").text), "version": "1",
                                       "action": "links", field: target})
        assert denied.status_code == 403 and fresh_translation(article.id, segment.id).link_targets is None
