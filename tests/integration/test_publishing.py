"""Language-version states, the publish gate's blockers, unpublishing, snapshots and the publishing CLI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.factories import import_sample, make_user

pytestmark = [pytest.mark.integration]

SLUG = "armenia-breaks-up-alleged-russian-inspired-coup-attempt"
PREFIX = {"ru": "Перевод сегмента", "fa": "ترجمه بخش", "kk": "Сегмент аудармасы", "de": "Übersetzung von Segment"}


def fake_text(lang: str, source: str, n: int, extra: str = "") -> str:
    """A text in ``lang`` that keeps every placeholder and number of the source, in order (QA passes)."""
    numbers = re.findall(r"\d+", re.sub(r"\{/?\d+/?\}", "", source))
    text = f"{PREFIX[lang]} {n}{extra}" + "".join(f" {number}" for number in numbers)
    for token in re.findall(r"\{/?\d+/?\}", source):
        text += token if token.startswith("{/") or token.endswith("/}") else f" {token}link {token[1:-1]}"
    return text + "."


def drafted(langs: tuple[str, ...]) -> Any:
    """The sample with pseudo drafts for every segment in every language."""
    from service.translation.pipeline import translate_batch

    article = import_sample(languages=list(langs))
    segment_ids = [s.id for s in article.segments]
    for lang in langs:
        translate_batch(article.id, lang, segment_ids)
    return article


def staff(langs: tuple[str, ...]) -> tuple[Any, Any, Any]:
    codes = ",".join(langs)
    return (make_user("translator@example.org", "translator", codes),
            make_user("reviewer@example.org", "reviewer", codes), make_user("editor@example.org", "editor"))


def approve_all(article: Any, lang: str, translator: Any, reviewer: Any, extra: str = "",
                positions: set[int] | None = None) -> None:
    """A person's text for every segment (or those at ``positions``), then approval, via the services."""
    from service.review import services

    for segment in article.segments:
        if positions is not None and segment.position not in positions:
            continue
        row = services.get_translation(article.id, lang, segment.id)
        services.save(row, translator, text=fake_text(lang, segment.source, segment.position + 1, extra),
                      base_version=row.version)
        services.approve(row, reviewer, base_version=row.version)


def publish_languages(langs: tuple[str, ...]) -> Any:
    """The sample published in its source and every language of ``langs``, each segment approved first."""
    from service.publishing import services as publishing

    translator, reviewer, editor = staff(langs)
    article = drafted(langs)
    for lang in langs:
        approve_all(article, lang, translator, reviewer)
        publishing.publish(article, lang, user_id=editor.id)
    return article


def events(article: Any, action: str) -> list[Any]:
    from sqlalchemy import select

    from service.extensions import db
    from service.history import Event

    return list(db.session.scalars(select(Event).filter_by(article_id=article.id, action=action).order_by(Event.id)))


def test_states_in_progress_ready_published_outdated(db: Any) -> None:
    from service.publishing import services as publishing

    translator, reviewer, editor = staff(("ru", "kk"))
    article = drafted(("ru", "kk"))
    total = len(article.segments)
    assert publishing.version_state(article, "en") == "published"  # the source, on import
    assert publishing.version_state(article, "ru") == "in_progress"
    assert publishing.gate(article, "ru").blockers == [f"{total} of {total} segments are not approved"]

    approve_all(article, "ru", translator, reviewer)
    assert publishing.gate(article, "ru").passes
    assert publishing.version_state(article, "ru") == "ready"  # the gate passes, nobody published yet
    with pytest.raises(Exception, match="not published"):
        publishing.reader_snapshot(SLUG, "ru")

    publishing.publish(article, "ru", user_id=editor.id)
    assert publishing.version_state(article, "ru") == "published"
    assert publishing.version_state(article, "kk") == "in_progress"
    assert [e.lang for e in events(article, "publish")] == ["en", "ru"]

    # A re-imported source outdates published translations; readers keep getting them meanwhile.
    assert publishing.mark_outdated(article, user_id=editor.id) == ["ru"]
    assert publishing.version_state(article, "ru") == "outdated"
    assert publishing.version_state(article, "en") == "published"
    assert publishing.version_state(article, "kk") == "in_progress"
    _, snapshot, versions = publishing.reader_snapshot(SLUG, "ru")
    assert snapshot.lang == "ru" and [v.lang for v in versions] == ["en", "ru"]
    (event,) = events(article, "outdated")
    assert (event.lang, event.old_state, event.new_state, event.user_id) == ("ru", "published", "outdated", editor.id)
    assert publishing.mark_outdated(article) == []  # nothing published is current any more

    # Publishing again brings it up to date.
    publishing.publish(article, "ru", user_id=editor.id)
    assert publishing.version_state(article, "ru") == "published"


def test_gate_lists_every_blocker(db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from babel.messages.pofile import read_po

    from service import i18n
    from service.public.menus import all_menu_messages
    from service.publishing import checks
    from service.publishing import services as publishing

    article = drafted(("ru", "kk", "fa", "de"))
    total = len(article.segments)
    unapproved = f"{total} of {total} segments are not approved"
    for lang in ("ru", "kk", "fa"):  # shipped: complete menus
        assert publishing.gate(article, lang).blockers == [unapproved], lang
    assert publishing.gate(article, "de").blockers == [
        unapproved, "the site menus have no 'de' catalog (run `transdesk translate add de`)"]

    # A German catalog with all but two menu labels translated.
    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, locales)
    po_path = i18n.add_language("de", locales_dir=locales)
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale="de")
    menu = all_menu_messages()
    for msgid in menu[2:]:
        catalog.get(msgid).string = f"DE {msgid}"
    catalog.get(menu[1]).string = "Fuzzy"
    catalog.get(menu[1]).flags.add("fuzzy")
    i18n._write(catalog, po_path)
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales)
    assert publishing.gate(article, "de").blockers == [
        unapproved, f"2 menu labels are not translated into 'de': {menu[0]!r}, {menu[1]!r}"]

    # The hooks for QA errors and the unmodified-MT share add their blockers to the same list.
    assert [c.__name__ for c in checks.GATE_CHECKS] == ["menu_blockers", "qa_error_blockers",
                                                        "unmodified_mt_blockers"]
    monkeypatch.setattr(checks, "GATE_CHECKS", [
        checks.menu_blockers, lambda article, lang: ["3 QA errors"],
        lambda article, lang: ["92% of approved segments are unmodified MT"]])
    monkeypatch.setattr(publishing, "GATE_CHECKS", checks.GATE_CHECKS)
    assert publishing.gate(article, "ru").blockers == [unapproved, "3 QA errors",
                                                       "92% of approved segments are unmodified MT"]
    assert publishing.version_state(article, "ru") == "in_progress"


def test_unpublish_and_publish_again(db: Any) -> None:
    from service.errors import Conflict, NotFound
    from service.publishing import services as publishing

    article = publish_languages(("ru",))
    editor_id = events(article, "publish")[-1].user_id
    first = publishing.language_version(article, "ru").snapshot_id

    version = publishing.unpublish(article, "ru", user_id=editor_id)
    assert version.status == "in_progress" and version.snapshot_id == first  # the snapshot is kept
    assert publishing.version_state(article, "ru") == "ready"
    with pytest.raises(NotFound):
        publishing.reader_snapshot(SLUG, "ru")
    assert [v.lang for v in publishing.published_versions(article)] == ["en"]
    (event,) = events(article, "unpublish")
    assert (event.lang, event.user_id, event.data["snapshot"], event.old_state) == ("ru", editor_id, first, "published")
    with pytest.raises(Conflict, match="not published in 'ru'"):
        publishing.unpublish(article, "ru", user_id=editor_id)

    again = publishing.publish(article, "ru", user_id=editor_id)
    assert again.id != first and publishing.version_state(article, "ru") == "published"

    # The source can be taken down too, and put back up by publishing it.
    publishing.unpublish(article, "en", user_id=editor_id)
    assert [v.lang for v in publishing.published_versions(article)] == ["ru"]
    source = publishing.publish(article, "en", user_id=editor_id)
    assert source.lang == "en" and publishing.version_state(article, "en") == "published"
    assert [e.lang for e in events(article, "unpublish")] == ["ru", "en"]
    assert [e.lang for e in events(article, "publish")] == ["en", "ru", "ru", "en"]


def test_snapshots_are_listed_and_compared(db: Any) -> None:
    from service.publishing import services as publishing

    translator, reviewer, editor = staff(("ru",))
    article = drafted(("ru",))
    approve_all(article, "ru", translator, reviewer)
    first = publishing.publish(article, "ru", user_id=editor.id)
    position = next(s.position for s in article.segments if s.block.kind == "paragraph")
    approve_all(article, "ru", translator, reviewer, extra=" (исправлено)", positions={position})
    second = publishing.publish(article, "ru", user_id=editor.id)

    assert [s.id for s in publishing.list_snapshots(article, "ru")] == [first.id, second.id]
    everything = publishing.list_snapshots(article)
    assert [s.lang for s in everything] == ["en", "ru", "ru"]

    diff = publishing.compare_snapshots(first, second)
    assert diff.startswith(f"--- snapshot {first.id} (ru, ")
    assert f"+++ snapshot {second.id} (ru, " in diff
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert len(removed) == len(added) == 1
    assert f"Перевод сегмента {position + 1}" in removed[0] and "(исправлено)" not in removed[0]
    assert f"Перевод сегмента {position + 1} (исправлено)" in added[0]
    assert publishing.compare_snapshots(first.id, second.id) == diff
    assert publishing.compare_snapshots(second, second) == ""


def test_cli_unpublish_and_snapshots(app: Any, db: Any) -> None:
    from service.publishing import services as publishing
    from service.publishing.cli import commands

    by_name = {c.name: c for c in commands}
    assert set(by_name) == {"unpublish", "snapshots"}
    article = publish_languages(("ru",))
    runner = app.test_cli_runner()

    listed = runner.invoke(by_name["snapshots"], [SLUG, "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["lang"], r["live"]) for r in rows] == [("en", True), ("ru", True)]
    text = runner.invoke(by_name["snapshots"], [str(article.id), "ru"])
    assert text.exit_code == 0 and len(text.output.splitlines()) == 1 and " live" in text.output

    result = runner.invoke(by_name["unpublish"], [SLUG, "RU"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"id": article.id, "slug": SLUG, "lang": "ru", "status": "in_progress",
                                         "snapshot": rows[1]["id"]}
    assert publishing.version_state(article, "ru") == "ready"
    again = runner.invoke(by_name["unpublish"], [SLUG, "ru"])
    assert again.exit_code == 1 and "error: 'armenia-breaks-up" in again.output and "not published" in again.output

    listed = runner.invoke(by_name["snapshots"], [SLUG, "ru", "--json"])
    assert [json.loads(line)["live"] for line in listed.output.splitlines()] == [False]
    same = runner.invoke(by_name["snapshots"], [SLUG, "--diff", str(rows[1]["id"]), str(rows[1]["id"])])
    assert same.exit_code == 0 and same.output == ""
    crossed = runner.invoke(by_name["snapshots"], [SLUG, "--diff", str(rows[0]["id"]), str(rows[1]["id"])])
    assert crossed.exit_code == 0 and crossed.output.startswith(f"--- snapshot {rows[0]['id']} (en, ")
    unknown = runner.invoke(by_name["snapshots"], [SLUG, "--diff", "999999", str(rows[1]["id"])])
    assert unknown.exit_code == 1 and "snapshot 999999 is not a snapshot of" in unknown.output


def test_article_page_shows_states_and_unpublishes(committed: Any) -> None:
    import requests

    from service.publishing import services as publishing
    from tests.integration.live import Browser, live_server

    translator, reviewer, _editor = staff(("ru", "kk"))
    article = drafted(("ru", "kk"))
    approve_all(article, "ru", translator, reviewer)
    action = f'action="/articles/{article.id}/languages/ru/unpublish"'
    with live_server(committed) as base:
        desk = Browser(base)
        desk.login("editor@example.org")
        page = f"/articles/{article.id}"
        detail = desk.get(page).text
        assert '<span class="badge state-translated">ready</span>' in detail and action not in detail
        assert desk.post_form(page, f"/articles/{article.id}/languages/ru/publish", {}).status_code == 200
        detail = desk.get(page).text
        assert '<span class="badge state-approved">published</span>' in detail and action in detail
        assert "Unpublish русский" in detail
        assert requests.get(f"{base}/ru/{SLUG}", timeout=10).status_code == 200

        publishing.mark_outdated(article)
        from service.extensions import db

        db.session.commit()
        assert '<span class="badge state-translated">outdated</span>' in desk.get(page).text
        done = desk.post_form(page, f"/articles/{article.id}/languages/ru/unpublish", {})
        assert done.status_code == 200 and "Unpublished the русский version." in done.text
        assert requests.get(f"{base}/ru/{SLUG}", timeout=10).status_code == 404
        assert [e.lang for e in events(article, "unpublish")] == ["ru"]
        assert action not in desk.get(page).text

        translator_desk = Browser(base)
        translator_desk.login("translator@example.org")
        refused = translator_desk.post_form(page, f"/articles/{article.id}/languages/ru/unpublish", {})
        assert refused.status_code == 403


# --- The published pages themselves: valid HTML (Nu HTML Checker) and rendered in a real browser ---

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = ROOT / "test-artifacts"


def require(ok: bool, what: str) -> None:
    """A missing tool fails the test under CI=true (the suite must not pass by skipping), else skips it."""
    from tests.conftest import IN_CI

    if not ok:
        (pytest.fail if IN_CI else pytest.skip)(f"{what} is needed for this test")


def test_published_pages_pass_the_nu_html_checker(committed: Any, tmp_path: Path) -> None:
    import requests

    from tests.integration.live import live_server

    publish_languages(("ru", "fa"))
    files = []
    with live_server(committed) as base:
        for lang in ("en", "ru", "fa"):
            page = requests.get(f"{base}/{lang}/{SLUG}", timeout=10)
            assert page.status_code == 200, lang
            path = tmp_path / f"{lang}.html"
            path.write_bytes(page.content)
            files.append(str(path))
        missing = requests.get(f"{base}/ru/no-such-article", timeout=10)
        assert missing.status_code == 404
        (tmp_path / "404-ru.html").write_bytes(missing.content)
        files.append(str(tmp_path / "404-ru.html"))
    assert nu_errors(files) == []


def nu_errors(files: list[str]) -> list[str]:
    """The Nu HTML Checker's errors for ``files`` (vnu.jar from npm, run by Java)."""
    import subprocess

    java = shutil.which("java")
    require(java is not None, "Java (apt-get install default-jre-headless)")
    require(VNU_JAR.is_file(), f"{VNU_JAR.relative_to(ROOT)} (npm install, package.json pins vnu-jar)")
    result = subprocess.run([str(java), "-jar", str(VNU_JAR), "--format", "json", *files], capture_output=True,
                            text=True, timeout=180)
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
            if m.get("type") in {"error", "non-document-error"} or m.get("subType") == "fatal"]


def test_figures_tables_embeds_and_retargeted_links_are_published_valid(committed: Any, tmp_path: Path) -> None:
    """Body figures, tables and embeds render as themselves (not inside <p>), and a link a translator
    retargeted for Russian points there in the Russian snapshot only."""
    import requests

    from service.articles import ingest
    from service.articles import services as articles
    from service.publishing import services as publishing
    from service.review import services as review
    from service.translation.links import link_slots
    from service.translation.pipeline import translate_batch
    from tests.integration.live import live_server
    from tests.unit.test_ingest_blocks import PAGE

    translator, reviewer, editor = staff(("ru",))
    article = articles.create_article(ingest.parse_html(PAGE),
                                      articles.ImportRequest(languages=["ru"], slug="every-kind-of-block"))
    translate_batch(article.id, "ru", [s.id for s in article.segments])
    linked = next(s for s in article.segments if link_slots(s.tags).get("1") == "https://example.org/a")
    approve_all(article, "ru", translator, reviewer)
    row = review.get_translation(article.id, "ru", linked.id)
    review.set_link_targets(row, translator, targets={"1": "https://ru.example.org/a"}, base_version=row.version)
    publishing.publish(article, "ru", user_id=editor.id)
    files = []
    with live_server(committed) as base:
        pages = {lang: requests.get(f"{base}/{lang}/every-kind-of-block", timeout=10) for lang in ("en", "ru")}
    for lang, page in pages.items():
        assert page.status_code == 200, lang
        html = page.text
        assert "<table" in html and "<iframe" in html and "<figure" in html and "<video" in html, lang
        assert not re.search(r"<p>\s*<(table|figure|iframe|div)", html), lang
        (tmp_path / f"{lang}.html").write_bytes(page.content)
        files.append(str(tmp_path / f"{lang}.html"))
    assert 'href="https://ru.example.org/a"' in pages["ru"].text and "https://example.org/a" not in pages["ru"].text
    assert 'href="https://example.org/a"' in pages["en"].text and "ru.example.org" not in pages["en"].text
    assert nu_errors(files) == []


def test_screenshots_and_rtl_in_chromium(committed: Any, chromium: Any) -> None:
    from tests.integration.live import live_server

    publish_languages(("ru", "fa"))
    ARTIFACTS.mkdir(exist_ok=True)
    directions: dict[str, str] = {}
    with live_server(committed) as base:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        try:
            for lang in ("en", "ru", "fa"):
                target = ARTIFACTS / f"reader-{lang}.png"
                target.unlink(missing_ok=True)
                response = page.goto(f"{base}/{lang}/{SLUG}")
                assert response is not None and response.status == 200, lang
                page.screenshot(path=str(target), full_page=True)
                directions[lang] = page.evaluate("getComputedStyle(document.documentElement).direction")
                if lang == "fa":
                    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
                    # Logical properties: the menu starts on the right in RTL.
                    header = page.locator(".site-header").bounding_box()
                    logo = page.locator(".site-header .site-logo").bounding_box()
                    assert header and logo and logo["x"] > header["x"] + header["width"] / 2
        finally:
            page.close()
    for lang in ("en", "ru", "fa"):
        target = ARTIFACTS / f"reader-{lang}.png"
        assert target.is_file() and target.stat().st_size > 1000, target
    assert directions == {"en": "ltr", "ru": "ltr", "fa": "rtl"}
