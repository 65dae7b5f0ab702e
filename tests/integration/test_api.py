"""The JSON API through Flask's test client: imports, segments, locking, rights, errors, OpenAPI, health."""

from __future__ import annotations

import io
import os
import re
from typing import Any

import pytest
from sqlalchemy import text
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import SAMPLE
from tests.factories import PASSWORD, csrf_from, fake_translation, import_sample, make_user

pytestmark = [pytest.mark.integration]

WRITTEN = ("articles", "blocks", "segments", "translations", "events", "language_versions", "snapshots")
ALL_STATES = {"untranslated", "queued", "draft", "translated", "approved", "needs_work", "failed", "stale"}
NO_ARTICLE = ("<html><body><nav><a href='/a'>Regions</a><a href='/b'>Topics</a></nav>"
              "<footer><p>Privacy Policy</p><p>Copyright Eurasianet</p></footer></body></html>")


class Api:
    """A test client whose every request starts with an empty ``g``, as in a real server.

    The ``db`` fixture keeps one app context (and one database session) open for the whole test; requests
    reuse it, and Flask-Login caches the user in its ``g`` from one request to the next otherwise.
    """

    def __init__(self, app: Any, token: str | None = None) -> None:
        self.app = app
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def open(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        from flask import g

        g.__dict__.clear()
        return self.client.open(path, method=method, headers={**self.headers, **(headers or {})}, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.open("PUT", path, **kwargs)

    def upload(self, path: str, data: bytes, filename: str, **form: str) -> Any:
        """A multipart POST of one ``file``, encoded in memory (the test client would spool a big body to a
        temporary file that it never closes)."""
        fields = MultiDict([*form.items(), ("file", FileStorage(io.BytesIO(data), filename=filename))])
        boundary, body = encode_multipart(fields)
        return self.open("POST", path, data=body, content_type=f'multipart/form-data; boundary="{boundary}"')


def api_for(app: Any, email: str, role: str, languages: str = "") -> Api:
    from service.accounts import services

    return Api(app, services.issue_token(make_user(email, role, languages)))


def row_counts(db: Any) -> dict[str, int]:
    return {table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in WRITTEN}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


def draft_all(article: Any, lang: str = "ru") -> None:
    """What the worker does: machine drafts for every queued segment (pseudo engine in tests)."""
    from service.translation import pipeline

    assert pipeline.translate_batch(article.id, lang, [s.id for s in article.segments]) == len(article.segments)


# --------------------------------------------------------------------------- import and read


def test_import_then_read_status_and_segments(db: Any, app: Any) -> None:
    editor = api_for(app, "editor@example.org", "editor")
    response = editor.post("/api/v1/articles", json={"html": SAMPLE.read_text(), "languages": ["ru"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["slug"] == "armenia-breaks-up-alleged-russian-inspired-coup-attempt"
    assert created["languages"] == ["ru"]
    total = created["segments"]
    assert isinstance(created["id"], int) and total >= 25

    status = editor.get(f"/api/v1/articles/{created['id']}")
    assert status.status_code == 200
    body = status.get_json()
    assert (body["id"], body["slug"], body["segments"], body["source_lang"]) == (
        created["id"], created["slug"], total, "en")
    ru = body["languages"]["ru"]
    assert set(ru["states"]) == ALL_STATES
    assert ru["states"]["queued"] == total and sum(ru["states"].values()) == total
    assert ru["published"] is False

    listing = editor.get(f"/api/v1/articles/{created['id']}/languages/ru/segments")
    assert listing.status_code == 200
    segments = listing.get_json()["segments"]
    assert len(segments) == total
    assert [s["position"] for s in segments] == list(range(total))
    assert all(s["translation"]["state"] == "queued" and s["translation"]["version"] == 1 for s in segments)
    assert segments[0]["source"] == "Armenia" and segments[0]["kind"] == "tag"

    # An unknown article is a JSON 404.
    assert_error(editor.get("/api/v1/articles/999999"), 404, "not_found")


def test_import_by_upload_and_markdown(db: Any, app: Any) -> None:
    editor = api_for(app, "editor@example.org", "editor")
    upload = editor.upload("/api/v1/articles", SAMPLE.read_bytes(), "page.html", languages="ru,kk",
                           slug="uploaded")
    assert upload.status_code == 201, upload.get_data(as_text=True)
    assert upload.get_json()["slug"] == "uploaded"
    assert upload.get_json()["languages"] == ["kk", "ru"]

    markdown = editor.post("/api/v1/articles", json={"markdown": "# Short news\n\nOne line. Two lines.\n"})
    assert markdown.status_code == 201, markdown.get_data(as_text=True)
    assert markdown.get_json()["slug"] == "short-news"
    assert markdown.get_json()["segments"] == 3


# --------------------------------------------------------------------------- refused imports


def big_html(size: int) -> bytes:
    paragraph = b"<p>" + b"Plenty of ordinary article text in a paragraph. " * 20 + b"</p>\n"
    data = b"<html><body><article><h1>Big</h1>" + paragraph * (size // len(paragraph) + 1) + b"</article></body></html>"
    assert len(data) > size
    return data


REFUSED_JSON: list[tuple[str, Any, int, str]] = [
    ("empty html", {"html": ""}, 400, "invalid_input"),
    ("blank html", {"html": "  \n\t "}, 422, "import_failed"),
    ("no article", {"html": NO_ARTICLE, "languages": ["ru"]}, 422, "import_failed"),
    ("unknown language", {"html": "<article><h1>T</h1><p>Text.</p></article>", "languages": ["ru", "xx"]}, 400,
     "invalid_input"),
    ("unknown source language", {"text": "Title\n\nBody.", "source_lang": "zz"}, 400, "invalid_input"),
    ("two kinds", {"html": "<article><h1>T</h1><p>Text.</p></article>", "markdown": "# T\n\nText."}, 400,
     "invalid_input"),
    ("no kind", {"languages": ["ru"]}, 400, "invalid_input"),
    ("languages not a list", {"text": "Title\n\nBody.", "languages": {"ru": True}}, 400, "invalid_input"),
    ("html not a string", {"html": ["<p>x</p>"]}, 400, "invalid_input"),
    ("bad priority", {"text": "Title\n\nBody.", "priority": "urgent"}, 400, "invalid_input"),
    ("bad slug", {"text": "Title\n\nBody.", "slug": "Not a slug"}, 400, "invalid_input"),
    ("private url", {"url": "http://127.0.0.1:5432/"}, 422, "import_failed"),
    # Over the import limit but within the request limit (import limit + 64 KiB): the service's own check.
    ("too large", {"html": big_html(530 * 1024).decode()}, 413, "too_large"),
    # Over the request limit: Werkzeug refuses the body before anyone reads it.
    ("request too large", {"html": big_html(600 * 1024).decode()}, 413, "request_entity_too_large"),
]


@pytest.mark.parametrize(("payload", "status", "code"), [case[1:] for case in REFUSED_JSON],
                         ids=[case[0] for case in REFUSED_JSON])
def test_refused_json_imports_write_nothing(db: Any, app: Any, payload: Any, status: int, code: str) -> None:
    editor = api_for(app, "editor@example.org", "editor")
    before = row_counts(db)
    assert_error(editor.post("/api/v1/articles", json=payload), status, code)
    assert row_counts(db) == before


def test_refused_uploads_write_nothing(db: Any, app: Any) -> None:
    editor = api_for(app, "editor@example.org", "editor")
    before = row_counts(db)

    binary = b"\x89PNG\r\n\x1a\n" + os.urandom(2048)
    error = assert_error(editor.upload("/api/v1/articles", binary, "photo.png"), 422, "import_failed")
    assert "binary" in error["message"]

    # Over the import limit but under the request limit: the service's own check.
    error = assert_error(editor.upload("/api/v1/articles", big_html(530 * 1024), "big.html"), 413,
                         "too_large")
    assert "512 KiB" in error["message"]
    # Far over it: the request itself is refused before the form is read.
    error = assert_error(editor.upload("/api/v1/articles", big_html(700 * 1024), "big.html"), 413)
    assert "limit" in error["message"]

    error = assert_error(editor.upload("/api/v1/articles", b"", "empty.html"), 422, "import_failed")
    assert "empty" in error["message"]
    assert_error(editor.upload("/api/v1/articles", SAMPLE.read_bytes(), "page.html", languages="xx"),
                 400, "invalid_input")
    assert row_counts(db) == before


def test_invalid_json_body(db: Any, app: Any) -> None:
    editor = api_for(app, "editor@example.org", "editor")
    before = row_counts(db)
    for body, content_type in (("{not json", "application/json"), ('["html"]', "application/json"),
                               ('{"html": "<p>x</p>"}', "text/plain")):
        error = assert_error(editor.post("/api/v1/articles", data=body, content_type=content_type), 400,
                             "invalid_input")
        assert "JSON" in error["message"]
    assert row_counts(db) == before


def test_import_needs_an_importer(db: Any, app: Any) -> None:
    before = row_counts(db)
    payload = {"html": SAMPLE.read_text(), "languages": ["ru"]}
    assert_error(Api(app).post("/api/v1/articles", json=payload), 401, "unauthorized")
    assert_error(Api(app, "not-a-token").post("/api/v1/articles", json=payload), 401, "unauthorized")
    assert_error(Api(app).get("/api/v1/articles/1"), 401, "unauthorized")
    for role in ("translator", "reviewer"):
        person = api_for(app, f"{role}@example.org", role, "ru")
        error = assert_error(person.post("/api/v1/articles", json=payload), 403, "forbidden")
        assert "import" in error["message"]
    assert row_counts(db) == before


# --------------------------------------------------------------------------- segments


def segment_rows(api: Api, article_id: int, lang: str = "ru") -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/articles/{article_id}/languages/{lang}/segments")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["segments"]


def test_put_segment_optimistic_locking(db: Any, app: Any) -> None:
    article = import_sample(["ru"])
    draft_all(article)
    translator = api_for(app, "translator@example.org", "translator", "ru")
    segment = next(s for s in segment_rows(translator, article.id) if "{1}" in s["source"])
    assert segment["translation"]["state"] == "draft"
    version = segment["translation"]["version"]
    url = f"/api/v1/articles/{article.id}/languages/ru/segments/{segment['id']}"
    mine = fake_translation(segment["source"], 1)

    saved = translator.put(url, json={"text": mine, "version": version})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    body = saved.get_json()
    assert body["translation"]["version"] == version + 1
    assert body["translation"]["state"] == "translated"
    assert body["translation"]["text"] == mine and body["translation"]["origin"] == "human"

    # A second person working from the old version gets the current text, not a silent overwrite.
    stale = translator.put(url, json={"text": "Другой перевод.", "version": version})
    error = assert_error(stale, 409, "version_conflict")
    assert error["current"]["text"] == mine
    assert error["current"]["version"] == version + 1
    assert error["current"]["state"] == "translated"
    assert segment_rows(translator, article.id)[segment["position"]]["translation"]["text"] == mine

    again = translator.put(url, json={"text": mine + " Ещё.", "version": version + 1})
    assert again.status_code == 200 and again.get_json()["translation"]["version"] == version + 2

    assert_error(translator.put(url, json={"text": "Без версии."}), 400, "invalid_input")
    assert_error(translator.put(url, json={"text": "x", "version": version + 2, "state": "published"}), 400)
    assert_error(translator.put(url, data="nope", content_type="application/json"), 400, "invalid_input")
    assert_error(translator.put(f"/api/v1/articles/{article.id}/languages/ru/segments/999999",
                                json={"text": "x", "version": 1}), 404, "not_found")


def test_segment_rights(db: Any, app: Any) -> None:
    article = import_sample(["ru", "kk"])
    draft_all(article, "ru")
    kazakh = api_for(app, "kk@example.org", "translator", "kk")
    translator = api_for(app, "ru@example.org", "translator", "ru")
    reviewer = api_for(app, "reviewer@example.org", "reviewer", "ru")
    segment = next(s for s in segment_rows(translator, article.id) if "{1}" in s["source"])
    version = segment["translation"]["version"]
    url = f"/api/v1/articles/{article.id}/languages/ru/segments/{segment['id']}"
    events = db.session.execute(text("SELECT count(*) FROM events")).scalar_one()

    assert_error(kazakh.get(f"/api/v1/articles/{article.id}/languages/ru/segments"), 403, "forbidden")
    assert_error(kazakh.put(url, json={"text": fake_translation(segment["source"], 1), "version": version}), 403,
                 "forbidden")
    assert_error(translator.put(url, json={"state": "approved", "version": version}), 403, "forbidden")
    assert_error(translator.put(url, json={"state": "needs_work", "version": version}), 403, "forbidden")

    # A reviewer approving a text that lost the link placeholder is refused; the draft stays as it was.
    error = assert_error(reviewer.put(url, json={"state": "approved", "version": version,
                                                 "text": "Перевод без ссылки."}), 400, "invalid_input")
    assert "{1}" in error["message"]
    assert db.session.execute(text("SELECT count(*) FROM events")).scalar_one() == events
    current = segment_rows(reviewer, article.id)[segment["position"]]["translation"]
    assert (current["state"], current["version"]) == ("draft", version)

    approved = reviewer.put(url, json={"state": "approved", "version": version,
                                       "text": fake_translation(segment["source"], 7)})
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert approved.get_json()["translation"]["state"] == "approved"
    assert approved.get_json()["translation"]["version"] == version + 1


def test_publish_over_api(db: Any, app: Any) -> None:
    article = import_sample(["ru"])
    draft_all(article)
    editor = api_for(app, "editor@example.org", "editor")
    translator = api_for(app, "translator@example.org", "translator", "ru")
    url = f"/api/v1/articles/{article.id}/languages/ru/publish"
    assert_error(translator.post(url, json={}), 403, "forbidden")
    error = assert_error(editor.post(url, json={}), 409, "conflict")
    total = len(article.segments)
    assert f"{total} of {total} segments are not approved" in error["message"]
    assert_error(editor.post(url, json={"force": True}), 400, "invalid_input")
    forced = editor.post(url, json={"force": True, "reason": "breaking news"})
    assert forced.status_code == 201, forced.get_data(as_text=True)
    assert forced.get_json()["forced"] is True


# --------------------------------------------------------------------------- session auth and CSRF


def test_session_writes_need_the_csrf_header(db: Any, app: Any) -> None:
    make_user("editor@example.org", "editor")
    browser = Api(app)
    token = csrf_from(browser.get("/login").get_data(as_text=True))
    login = browser.post("/login", data={"email": "editor@example.org", "password": PASSWORD, "csrf_token": token})
    assert login.status_code == 302, login.get_data(as_text=True)[:300]

    # Reads work with the session cookie alone.
    assert browser.get("/api/v1/articles/999999").status_code == 404

    before = row_counts(db)
    payload = {"text": "Session title\n\nSession body.", "languages": ["ru"]}
    error = assert_error(browser.post("/api/v1/articles", json=payload), 400, "csrf")
    assert "X-CSRFToken" in error["message"]
    assert_error(browser.post("/api/v1/articles", json=payload, headers={"X-CSRFToken": "forged"}), 400, "csrf")
    assert row_counts(db) == before

    created = browser.post("/api/v1/articles", json=payload, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["slug"] == "session-title"

    # Another client without the session cookie is not logged in.
    assert_error(Api(app).post("/api/v1/articles", json=payload, headers={"X-CSRFToken": token}), 401)


# --------------------------------------------------------------------------- OpenAPI


def test_openapi_describes_every_route(app: Any) -> None:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
        routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    assert len(routes) >= 5
    for path, methods in routes.items():
        assert path in doc["paths"], path
        assert methods <= set(doc["paths"][path]), (path, methods)
        for method in methods:
            operation = doc["paths"][path][method]
            assert operation["responses"], (path, method)
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert params == set(re.findall(r"\{(\w+)\}", path)), (path, method)
    # Nothing described that does not exist.
    assert set(doc["paths"]) == set(routes)


# --------------------------------------------------------------------------- health


def test_healthz_ok(app: Any) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True and body["broker"]["ok"] is True


def test_healthz_reports_an_unreachable_broker(app: Any) -> None:
    from service import create_app
    from service.extensions import db

    broken = create_app({"TESTING": True, "BROKER_URL": "redis://127.0.0.1:1/0"})
    try:
        response = broken.test_client().get("/healthz")
        assert response.status_code == 503, response.get_data(as_text=True)
        body = response.get_json()
        assert body["status"] == "down"
        assert body["database"]["ok"] is True
        assert body["broker"]["ok"] is False and body["broker"]["error"]
    finally:
        with broken.app_context():
            db.engine.dispose()
        app.extensions["celery"].set_default()  # create_app made the broken app Celery's default
