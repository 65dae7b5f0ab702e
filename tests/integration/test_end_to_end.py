"""The whole path over HTTP against a real worker: import, drafts, translate, approve, publish, read."""

from __future__ import annotations

import re
import time
from datetime import date
from typing import Any

import pytest
import requests
from babel import Locale
from babel.dates import format_date

from tests.factories import fake_translation, make_user
from tests.integration.live import Browser, live_server

pytestmark = [pytest.mark.integration, pytest.mark.worker]


def wait_for_drafts(base: str, token: str, article_id: int, expected: int, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    states: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = requests.get(f"{base}/api/v1/articles/{article_id}", timeout=10,
                              headers={"Authorization": f"Bearer {token}"}).json()
        states = status["languages"]["ru"]["states"]
        if states["draft"] == expected:
            return states
        time.sleep(0.3)
    raise AssertionError(f"drafts did not appear: {states}")


def test_import_translate_review_publish_read(committed: Any, worker: Any) -> None:
    from service.accounts import services as accounts
    from tests.conftest import SAMPLE

    editor = make_user("editor@example.org", "editor")
    make_user("translator@example.org", "translator", "ru")
    make_user("reviewer@example.org", "reviewer", "ru")
    token = accounts.issue_token(editor)

    with live_server(committed) as base:
        # Import over the API with the editor's token, queueing Russian.
        response = requests.post(f"{base}/api/v1/articles", timeout=30, headers={"Authorization": f"Bearer {token}"},
                                 json={"html": SAMPLE.read_text(), "languages": ["ru"]})
        assert response.status_code == 201, response.text
        created = response.json()
        article_id, slug, total = created["id"], created["slug"], created["segments"]
        assert slug == "armenia-breaks-up-alleged-russian-inspired-coup-attempt"
        assert total >= 25

        # The real worker drafts every segment with the pseudo engine, labelled as such.
        states = wait_for_drafts(base, token, article_id, total)
        assert states["queued"] == 0 and states["failed"] == 0
        segments = requests.get(f"{base}/api/v1/articles/{article_id}/languages/ru/segments", timeout=10,
                                headers={"Authorization": f"Bearer {token}"}).json()["segments"]
        assert len(segments) == total
        assert all(s["translation"]["engine"] == "pseudo" and s["translation"]["pseudo"] for s in segments)
        assert all(s["translation"]["text"].startswith("⟦") for s in segments)

        # A translator saves every segment through the review form.
        translator = Browser(base)
        translator.login("translator@example.org")
        page = translator.get(f"/review/{article_id}/ru")
        assert page.status_code == 200
        assert page.text.count('class="segment ') == total
        assert "PSEUDO" in page.text
        texts: dict[int, str] = {}
        for segment in segments:
            texts[segment["id"]] = fake_translation(segment["source"], segment["position"] + 1)
            version = re.search(rf'id="seg-{segment["id"]}".*?name="version" value="(\d+)"', page.text, re.S)
            assert version, segment["id"]
            saved = translator.http.post(
                f"{base}/review/{article_id}/ru/segments/{segment['id']}",
                data={"csrf_token": _csrf(page.text), "version": version.group(1), "action": "save",
                      "text": texts[segment["id"]]}, timeout=30)
            assert saved.status_code == 200 and "Saved segment" in saved.text, saved.text[:300]

        # A translator cannot approve; a reviewer approves every segment.
        reviewer = Browser(base)
        reviewer.login("reviewer@example.org")
        page = reviewer.get(f"/review/{article_id}/ru")
        for segment in segments:
            version = re.search(rf'id="seg-{segment["id"]}".*?name="version" value="(\d+)"', page.text, re.S)
            approved = reviewer.http.post(
                f"{base}/review/{article_id}/ru/segments/{segment['id']}",
                data={"csrf_token": _csrf(page.text), "version": version.group(1), "action": "approve", "text": ""},
                timeout=30)
            assert "Approved segment" in approved.text, approved.text[:500]
        counts = requests.get(f"{base}/api/v1/articles/{article_id}", timeout=10,
                              headers={"Authorization": f"Bearer {token}"}).json()["languages"]["ru"]["states"]
        assert counts["approved"] == total

        # Not published yet: readers get a 404 for Russian.
        assert requests.get(f"{base}/ru/{slug}", timeout=10).status_code == 404

        # The editor publishes with the button on the article page.
        desk = Browser(base)
        desk.login("editor@example.org")
        published = desk.post_form(f"/articles/{article_id}", f"/articles/{article_id}/languages/ru/publish", {})
        assert published.status_code == 200 and "Published" in published.text

        # The reader's Russian page: translations, Russian menus, CLDR countries, Babel date, switcher.
        reader = requests.get(f"{base}/ru/{slug}", timeout=10)
        assert reader.status_code == 200
        html = reader.text
        assert '<html lang="ru"' in html
        for segment in segments[:40]:
            plain = re.sub(r"\{/?\d+/?\}", "", texts[segment["id"]]).split(" ссылка")[0]
            assert plain in html
        assert '<a href="https://eurasianet.org/russia-says-it-wont-interfere-in-armenia-azerbaijan-peace-talks">' \
               "ссылка 1</a>" in html
        for label in ("Регионы", "Темы", "Медиа", "Поддержите нас", "Кавказ", "Центральная Азия"):
            assert label in html, label
        ru = Locale.parse("ru")
        for code in ("AM", "AZ", "GE", "KZ", "KG", "UZ", "UA", "CN", "US"):
            assert ru.territories[code] in html, code
        # CLDR puts a narrow no-break space before "г."; compare as a reader sees it, then exactly.
        assert "19 сентября 2024 г." in html.replace("\u202f", " ")
        assert format_date(date(2024, 9, 19), format="long", locale="ru") in html
        assert f'href="{base}/en/{slug}"' in html or f'href="/en/{slug}"' in html
        assert 'hreflang="en"' in html and 'hreflang="x-default"' in html
        assert "Regions" not in html and "Support us" not in html and "Privacy Policy" not in html

        # The source version in the same layout, in English.
        english = requests.get(f"{base}/en/{slug}", timeout=10)
        assert english.status_code == 200 and '<html lang="en"' in english.text
        assert "Armenia breaks up alleged Russian-inspired coup attempt" in english.text
        assert "September 19, 2024" in english.text and "Regions" in english.text

        # /<slug> negotiates from Accept-Language.
        for header, expected in (("ru-RU,ru;q=0.9,en;q=0.5", "ru"), ("en-GB,en;q=0.8", "en"), ("de", "en")):
            redirect = requests.get(f"{base}/{slug}", headers={"Accept-Language": header}, allow_redirects=False,
                                    timeout=10)
            assert redirect.status_code == 302
            assert redirect.headers["Location"].endswith(f"/{expected}/{slug}")
            assert "Accept-Language" in redirect.headers["Vary"]


def _csrf(html: str) -> str:
    from tests.factories import csrf_from

    return csrf_from(html)
