"""A real HTTP server (Werkzeug, threaded) around the test app, and a browser-like client."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from werkzeug.serving import make_server

from tests.factories import PASSWORD, csrf_from


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


class Browser:
    """A requests session that logs in through the form and posts forms with their CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> requests.Response:
        token = csrf_from(self.get("/login").text)
        response = self.http.post(self.base + "/login", data={"email": email, "password": password,
                                                              "csrf_token": token}, timeout=30)
        assert response.status_code == 200 and "Log out" in response.text, response.text[:500]
        return response

    def post_form(self, page: str, action: str, data: dict[str, Any]) -> requests.Response:
        token = csrf_from(self.get(page).text)
        return self.http.post(self.base + action, data={**data, "csrf_token": token}, timeout=30)
