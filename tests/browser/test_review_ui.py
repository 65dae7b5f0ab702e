"""The review editor in a real browser: keyboard-only translation, conflicts, approval, publishing, axe-core.

Screenshots of every step go to test-artifacts/browser/ (gitignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.factories import PASSWORD, fake_translation, import_sample, make_user
from tests.integration.live import live_server

pytestmark = [pytest.mark.integration]

SERIOUS = ("serious", "critical")
TIMEOUT = 15_000


# --- helpers -------------------------------------------------------------------------------------------------------

def drafted_article() -> Any:
    from service.translation.pipeline import translate_batch

    article = import_sample(languages=["ru"])
    translate_batch(article.id, "ru", [s.id for s in article.segments])
    return article


def fresh(article_id: int, segment_id: int) -> Any:
    from service.extensions import db
    from service.review import services

    db.session.expire_all()
    return services.get_translation(article_id, "ru", segment_id)


@contextmanager
def session_for(chromium: Any, base: str, email: str) -> Iterator[Any]:
    """A logged-in page in its own browser context (own cookies), logging in with the keyboard."""
    context = chromium.new_context(base_url=base, viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto("/login")
        page.focus("#email")
        page.keyboard.type(email)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Log out")
        yield page
        assert not errors, f"JavaScript errors: {errors}"
    finally:
        context.close()


def assert_accessible(page: Any, axe_source: str, what: str) -> None:
    """axe-core on the current page: no violation of impact serious or critical."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:5])
           for v in result["violations"] if v.get("impact") in SERIOUS]
    assert not bad, f"axe-core on {what}:\n" + "\n".join(bad)


def segment(page: Any, segment_id: int) -> Any:
    return page.locator(f"#seg-{segment_id}")


def field(page: Any, segment_id: int) -> str:
    """What the segment's form would send: the (hidden) textarea the tag editor keeps in step."""
    return str(page.evaluate("id => document.getElementById(id).value", f"t-{segment_id}"))


def chips(page: Any, segment_id: int) -> list[str]:
    return [str(tag) for tag in page.eval_on_selector_all(
        f"#ed-{segment_id} .tag", "els => els.map(e => e.getAttribute('data-tag'))")]


def type_translation(page: Any, source: str, n: int) -> str:
    """Type a translation with the keyboard, each tag of the source inserted as a chip by Ctrl+Shift+T.

    Returns the tagged text the form should send."""
    page.keyboard.press("Control+A")
    page.keyboard.type(f"Перевод сегмента {n}")
    text = f"Перевод сегмента {n}"
    for token in inline_placeholders(source):
        page.keyboard.press("Control+Shift+T")
        text += token
        if not token.startswith("{/") and not token.endswith("/}"):
            page.keyboard.type("ссылка")
            text += "ссылка"
    page.keyboard.type(".")
    return text + "."


def inline_placeholders(text: str) -> list[str]:
    from service.articles.inline import placeholders

    return placeholders(text)


def focused_id(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))


# --- tests ---------------------------------------------------------------------------------------------------------

def test_translate_three_segments_with_the_keyboard_only(committed: Any, chromium: Any, axe_source: str,
                                                        shots: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    article = drafted_article()
    first_three = sorted(article.segments, key=lambda s: s.position)[:3]
    with live_server(committed) as base, session_for(chromium, base, "translator@example.org") as page:
        shots(page, "dashboard")
        assert_accessible(page, axe_source, "the dashboard")
        page.goto(f"/review/{article.id}/ru")
        page.wait_for_function("() => window.htmx !== undefined")
        shots(page, "editor")
        assert_accessible(page, axe_source, "the editor")

        # No mouse: Alt+↓ from nowhere focuses the first segment's tag editor; type (tags by Ctrl+Shift+T),
        # Ctrl+Enter saves and moves on.
        page.keyboard.press("Alt+ArrowDown")
        texts = {}
        for seg in first_three:
            assert focused_id(page) == f"ed-{seg.id}"
            texts[seg.id] = type_translation(page, seg.source, seg.position + 1)
            assert field(page, seg.id) == texts[seg.id]
            page.keyboard.press("Control+Enter")
            segment(page, seg.id).locator(".seg-message.ok").wait_for()
        for seg in first_three:
            assert "state-translated" in (segment(page, seg.id).get_attribute("class") or "")
            assert field(page, seg.id) == texts[seg.id]
            assert chips(page, seg.id) == inline_placeholders(texts[seg.id])
            row = fresh(article.id, seg.id)
            assert (row.state, row.origin, row.text) == ("translated", "human", texts[seg.id])
        # The swapped segments carry their new version, so saving one again is no conflict.
        assert "Saved segment 3." in segment(page, first_three[2].id).inner_text()
        page.wait_for_selector("#progress .progress-text >> text=3 translated or approved")
        shots(page, "three-saved")

        # Alt+↑ goes back; the source can be copied in and the missing tags inserted one by one.
        page.keyboard.press("Alt+ArrowUp")
        tagged = next(s for s in article.segments if "{1}" in s.source)
        page.goto(f"/review/{article.id}/ru#seg-{tagged.id}")
        page.wait_for_function("() => window.htmx !== undefined")
        page.focus(f"#ed-{tagged.id}")
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        assert field(page, tagged.id) == "" and chips(page, tagged.id) == []
        page.keyboard.press("Control+Shift+Y")
        assert field(page, tagged.id) == "{1}"
        page.keyboard.type("ссылка")
        page.keyboard.press("Control+Shift+T")
        assert field(page, tagged.id) == "{1}ссылка{/1}" and chips(page, tagged.id) == ["{1}", "{/1}"]
        shots(page, "chips")
        page.keyboard.press("Control+Shift+S")
        assert field(page, tagged.id) == tagged.source
        assert chips(page, tagged.id) == inline_placeholders(tagged.source)

        # "?" outside a text field opens the help dialog; Escape closes it.
        page.keyboard.press("Alt+ArrowDown")
        page.evaluate("() => document.activeElement.blur()")
        page.keyboard.press("?")
        dialog = page.locator("#keys-help")
        dialog.wait_for(state="visible")
        assert "Ctrl" in dialog.inner_text() and page.evaluate("() => document.getElementById('keys-help').open")
        shots(page, "help")
        assert_accessible(page, axe_source, "the help dialog")
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden")


def test_two_browsers_editing_one_segment_get_the_conflict_view(committed: Any, chromium: Any, shots: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    make_user("reviewer@example.org", "reviewer", "ru")
    article = drafted_article()
    seg = next(s for s in article.segments if s.position == 9)
    url = f"/review/{article.id}/ru#seg-{seg.id}"
    with live_server(committed) as base, session_for(chromium, base, "translator@example.org") as a, \
            session_for(chromium, base, "reviewer@example.org") as b:
        for page in (a, b):
            page.goto(url)
            page.wait_for_function("() => window.htmx !== undefined")
        text_a, text_b = "Министр недавно объявил — версия A", "Министр на днях заявил — версия B"
        for page, text in ((a, text_a), (b, text_b)):
            page.focus(f"#ed-{seg.id}")
            page.keyboard.press("Control+A")
            page.keyboard.type(text)
        a.keyboard.press("Control+Enter")
        segment(a, seg.id).locator(".seg-message.ok").wait_for()
        b.keyboard.press("Control+Enter")
        conflict = segment(b, seg.id).locator(f"#conflict-{seg.id}")
        conflict.wait_for()
        shots(b, "conflict")
        assert conflict.locator("pre.theirs").inner_text() == text_a
        assert conflict.locator("pre.yours").inner_text() == text_b
        assert fresh(article.id, seg.id).text == text_a
        # The focus lands on "Keep mine": Enter saves B's text over A's version.
        assert "Keep mine" in str(b.evaluate("() => document.activeElement.textContent"))
        b.keyboard.press("Enter")
        segment(b, seg.id).locator(".seg-message.ok").wait_for()
        assert conflict.count() == 0
        row = fresh(article.id, seg.id)
        assert (row.state, row.text) == ("translated", text_b)
        shots(b, "kept-mine")


def test_approve_by_keyboard_and_block_then_publish(committed: Any, chromium: Any, axe_source: str,
                                                   shots: Any) -> None:
    from service.accounts import services as accounts
    from service.review import services

    translator = make_user("translator@example.org", "translator", "ru")
    make_user("reviewer@example.org", "reviewer", "ru")
    make_user("editor@example.org", "editor")
    article = drafted_article()
    segments = sorted(article.segments, key=lambda s: s.position)
    tagged = next(s for s in segments if "{1}" in s.source)
    for s in segments:  # a person's translation everywhere (pseudo drafts are not publishable text)
        row = fresh(article.id, s.id)
        text = "Перевод без тегов." if s.id == tagged.id else fake_translation(s.source, s.position + 1)
        services.save(row, translator, text=text, base_version=row.version)
    with live_server(committed) as base:
        with session_for(chromium, base, "reviewer@example.org") as page:
            page.goto(f"/review/{article.id}/ru#seg-{tagged.id}")
            page.wait_for_function("() => window.htmx !== undefined")
            # A target missing a tag cannot be approved: the message shows inside the segment.
            page.focus(f"#ed-{tagged.id}")
            page.keyboard.press("Control+Shift+A")
            message = segment(page, tagged.id).locator(".seg-message.error")
            message.wait_for()
            assert "missing {1} {/1}" in message.inner_text()
            assert fresh(article.id, tagged.id).state == "translated"
            shots(page, "missing-tag")
            # Fix it with the keyboard and approve.
            page.focus(f"#ed-{tagged.id}")
            page.keyboard.press("End")
            page.keyboard.press("Control+Shift+T")
            page.keyboard.press("Control+Shift+T")
            page.keyboard.press("Control+Shift+A")
            segment(page, tagged.id).locator(".seg-message.ok").wait_for()
            assert fresh(article.id, tagged.id).state == "approved"

            # One POST approves every clean segment of a paragraph.
            first_block = next(b.id for b in article.blocks if len(b.segments) > 1 and tagged not in b.segments)
            in_block = [s for s in segments if s.block_id == first_block]
            page.goto(f"/review/{article.id}/ru")
            button = page.locator(f"#block-{first_block} .block-approve button")
            button.focus()
            page.keyboard.press("Enter")
            page.wait_for_selector("text=Approve clean segments of the block")
            assert all(fresh(article.id, s.id).state == "approved" for s in in_block)
            shots(page, "block-approved")
            assert_accessible(page, axe_source, "the editor after approvals")

            # History of a segment loads on demand, with the word diff.
            history = page.locator(f"#seg-{tagged.id} .history-link")
            history.focus()
            page.keyboard.press("Enter")
            page.locator(f"#hist-{tagged.id} .history-list").wait_for()
            assert page.locator(f"#hist-{tagged.id} ins").count() >= 1
            shots(page, "history")

        reviewer = accounts.authenticate("reviewer@example.org", PASSWORD)
        for s in segments:
            row = fresh(article.id, s.id)
            if row.state != "approved":
                services.approve(row, reviewer, base_version=row.version)

        with session_for(chromium, base, "editor@example.org") as page:
            page.goto(f"/articles/{article.id}")
            form = page.locator(f"form[action='/articles/{article.id}/languages/ru/publish']")
            if form.locator("input[name=force]").count():
                form.locator("input[name=force]").check()
                form.locator("input[name=reason]").fill("browser test")
            shots(page, "before-publish")
            form.locator("button[type=submit]").focus()
            page.keyboard.press("Enter")
            page.wait_for_selector("text=Published the")
            shots(page, "published")
            assert re.search(r"Published the \S+ version\.", page.inner_text("main"))


def test_login_page_is_accessible(committed: Any, chromium: Any, axe_source: str, shots: Any) -> None:
    with live_server(committed) as base:
        context = chromium.new_context(base_url=base)
        try:
            page = context.new_page()
            page.goto("/login")
            shots(page, "login")
            assert_accessible(page, axe_source, "the login page")
        finally:
            context.close()


def test_tag_chips_cannot_be_half_deleted_or_typed(committed: Any, chromium: Any, axe_source: str,
                                                  shots: Any) -> None:
    make_user("translator@example.org", "translator", "ru")
    article = drafted_article()
    tagged = next(s for s in article.segments if "{1}" in s.source and "{/1}" in s.source)
    with live_server(committed) as base, session_for(chromium, base, "translator@example.org") as page:
        page.goto(f"/review/{article.id}/ru#seg-{tagged.id}")
        page.wait_for_function("() => window.htmx !== undefined")
        editor = page.locator(f"#ed-{tagged.id}")
        assert editor.get_attribute("role") == "textbox" and editor.get_attribute("aria-multiline") == "true"
        assert not page.is_visible(f"#t-{tagged.id}")  # the textarea stays as the form field, off screen
        page.focus(f"#ed-{tagged.id}")
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.press("Control+Shift+T")
        page.keyboard.type("ссылка")
        page.keyboard.press("Control+Shift+T")
        assert field(page, tagged.id) == "{1}ссылка{/1}"
        # Chips have a spoken name, in the UI language, in the editor and in the source column alike.
        spoken = "els => els.map(e => [e.getAttribute('role'), e.getAttribute('aria-label')])"
        assert page.eval_on_selector_all(f"#ed-{tagged.id} .tag", spoken) == [
            ["img", "start of tag 1"], ["img", "end of tag 1"]]
        assert ["img", "start of tag 1"] in page.eval_on_selector_all(f"#seg-{tagged.id} .source .tag", spoken)

        # Backspace right after a chip takes the whole chip, never one of its characters.
        page.keyboard.press("Backspace")
        assert field(page, tagged.id) == "{1}ссылка" and chips(page, tagged.id) == ["{1}"]
        # The hint under the editor follows: the tag just deleted is missing for approval.
        missing = [t for t in inline_placeholders(tagged.source) if t != "{1}"]
        hint = page.locator(f"#miss-{tagged.id}")
        assert hint.is_visible() and hint.locator(".tag").evaluate_all("els => els.map(e => e.title)") == missing
        page.keyboard.press("Backspace")  # then plain text goes character by character
        assert field(page, tagged.id) == "{1}ссылк"
        # Delete right before a chip takes the whole chip.
        page.keyboard.press("Home")
        page.keyboard.press("Delete")
        assert field(page, tagged.id) == "ссылк" and chips(page, tagged.id) == []

        # Braces typed by hand are text: written escaped, so no tag can come of them.
        page.keyboard.press("End")
        page.keyboard.type(" {1}x{/1}")
        assert chips(page, tagged.id) == [] and field(page, tagged.id) == "ссылк {{1}}x{{/1}}"
        # So is pasted text that looks like tags.
        page.evaluate("""id => {
            const data = new DataTransfer();
            data.setData('text/plain', ' {2/}{1}');
            document.getElementById(id).dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                                                   cancelable: true}));
        }""", f"ed-{tagged.id}")
        assert chips(page, tagged.id) == [] and field(page, tagged.id) == "ссылк {{1}}x{{/1}} {{2/}}{{1}}"
        shots(page, "literal-braces")
        page.keyboard.press("Control+Enter")
        segment(page, tagged.id).locator(".seg-message.ok").wait_for()
        row = fresh(article.id, tagged.id)
        assert row.text == "ссылк {{1}}x{{/1}} {{2/}}{{1}}"
        # Shown again after the save: literal braces, still no chip.
        assert chips(page, tagged.id) == []
        assert page.inner_text(f"#ed-{tagged.id}") == "ссылк {1}x{/1} {2/}{1}"

        # Chips copied from one editor paste as chips only where the segment has that tag and lacks it.
        page.focus(f"#ed-{tagged.id}")
        page.keyboard.press("Control+Shift+S")
        page.keyboard.press("Control+A")
        page.keyboard.press("Control+C")
        page.keyboard.press("End")
        page.keyboard.press("Control+V")  # every tag is in place already: the pasted copies become nothing
        assert chips(page, tagged.id) == inline_placeholders(tagged.source)
        assert field(page, tagged.id) == tagged.source + inline_strip(tagged.source)
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.press("Control+V")
        assert field(page, tagged.id) == tagged.source
        # The focus loaded the side panel's sections; the editor with chips, hints and panels passes axe-core.
        page.locator(f"#tm-slot-{tagged.id} p, #tm-slot-{tagged.id} ol").first.wait_for()
        assert_accessible(page, axe_source, "the tag editor with its side panel")


def inline_strip(text: str) -> str:
    from service.articles.inline import escape_braces, strip_placeholders

    return escape_braces(strip_placeholders(text))
