"""The staff UI language: from Accept-Language until a person picks one, then theirs everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import csrf_from, make_user
from tests.integration.live import Browser, live_server

pytestmark = pytest.mark.integration


def test_ui_language_follows_the_browser_then_the_persons_choice(committed: Any) -> None:
    from service.accounts.models import User
    from service.extensions import db

    make_user("translator@example.org", "translator", "ru")
    with live_server(committed) as base:
        anonymous = Browser(base)
        assert "Вход в Transdesk" in anonymous.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
        assert "Log in to Transdesk" in anonymous.get("/login", headers={"Accept-Language": "en"}).text

        person = Browser(base)
        person.login("translator@example.org")
        page = person.get("/").text
        assert "<h1>Articles</h1>" in page and 'lang="en"' in page
        chosen = person.http.post(f"{base}/account/locale", timeout=10,
                                  data={"csrf_token": csrf_from(page), "locale": "ru", "next": "/"})
        assert chosen.status_code == 200 and "<h1>Статьи</h1>" in chosen.text and '<html lang="ru"' in chosen.text
        # The choice wins over the browser's language from now on.
        assert "<h1>Статьи</h1>" in person.get("/", headers={"Accept-Language": "en"}).text
        db.session.expire_all()
        assert db.session.query(User).filter_by(email="translator@example.org").one().ui_locale == "ru"

        refused = person.http.post(f"{base}/account/locale", timeout=10,
                                   data={"csrf_token": csrf_from(chosen.text), "locale": "xx", "next": "/"})
        assert "xx" in refused.text and "<h1>Статьи</h1>" in refused.text
        back = person.http.post(f"{base}/account/locale", timeout=10,
                                data={"csrf_token": csrf_from(refused.text), "locale": "", "next": "/"},
                                headers={"Accept-Language": "en"})
        assert "<h1>Articles</h1>" in back.text
