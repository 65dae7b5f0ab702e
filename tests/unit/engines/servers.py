"""Local HTTP servers that speak each provider's documented translate API, for engine tests.

Each server records every request (path, query, headers, JSON body) and "translates" by
upper-casing the text outside tags, re-serializing tags the way the provider's parser does
(HTML parsers turn ``<x2/>`` into ``<x2></x2>``; Google escapes apostrophes). ``mode`` makes it
misbehave: "429" (with Retry-After), "456" (DeepL quota), "500", "hang" (answers only after the
test), "malformed" (200 with a body that is not the documented shape), "garbage" (not JSON).
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

API_KEY = "test-key:fx"


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


class Markup(HTMLParser):
    """Re-serialize markup with the text upper-cased, as a provider's parser would."""

    def __init__(self, *, xml: bool, quote: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.xml, self.quote = xml, quote
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(f"<{tag}/>" if self.xml else f"<{tag}></{tag}>")

    def handle_data(self, data: str) -> None:
        escaped = html.escape(data.upper(), quote=self.quote)
        self.out.append(escaped.replace("&#x27;", "&#39;"))


def transform(text: str, *, xml: bool = False, quote: bool = False) -> str:
    parser = Markup(xml=xml, quote=quote)
    parser.feed(text)
    parser.close()
    return "".join(parser.out)


def llm_transform(text: str) -> str:
    """What a well-behaved model does: translate (upper-case) the words, keep the markers."""
    return "".join(p if p.startswith("<") else p.upper() for p in re.split(r"(</?x\d+/?>)", text))


class ProviderServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[ProviderHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.requests: list[Recorded] = []
        self.mode = "ok"
        self.retry_after = "7"
        self.release = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and left is expected here


class ProviderHandler(BaseHTTPRequestHandler):
    server: ProviderServer
    path_expected: ClassVar[str] = "/"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append(Recorded(url.path, query, dict(self.headers.items()), body))
        mode = self.server.mode
        if mode == "hang":
            self.server.release.wait(10)
            return
        if mode == "429":
            return self.send(429, self.error("Too many requests"), {"Retry-After": self.server.retry_after})
        if mode in ("456", "500", "503", "403"):
            return self.send(int(mode), self.error(f"status {mode}"))
        if mode == "garbage":
            return self.send(200, b"<html>502 Bad Gateway</html>")
        if url.path != self.path_expected:
            return self.send(404, self.error("not found"))
        problem = self.check(body, query)
        if problem:
            return self.send(problem[0], self.error(problem[1]))
        if mode == "malformed":
            return self.send(200, {"unexpected": True})
        self.send(200, self.answer(body))

    def error(self, message: str) -> Any:
        return {"error": message}

    def check(self, body: Any, query: dict[str, str]) -> tuple[int, str] | None:
        raise NotImplementedError

    def answer(self, body: Any) -> Any:
        raise NotImplementedError


def texts_ok(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


class LibreTranslateHandler(ProviderHandler):
    """https://libretranslate.com/docs: POST /translate {q, source, target, format, api_key}."""

    path_expected = "/translate"

    def check(self, body: Any, query: dict[str, str]) -> tuple[int, str] | None:
        if not isinstance(body, dict) or not texts_ok(body.get("q")) or not body.get("target"):
            return 400, "Invalid request: missing q or target"
        if body.get("api_key") != API_KEY:
            return 403, "Invalid API key"
        return None

    def answer(self, body: Any) -> Any:
        return {"translatedText": [transform(t) for t in body["q"]]}


class DeepLHandler(ProviderHandler):
    """https://developers.deepl.com/docs/api-reference/translate: POST /v2/translate."""

    path_expected = "/v2/translate"

    def error(self, message: str) -> Any:
        return {"message": message}

    def check(self, body: Any, query: dict[str, str]) -> tuple[int, str] | None:
        if self.headers.get("Authorization") != f"DeepL-Auth-Key {API_KEY}":
            return 403, "Wrong endpoint or authorization"
        if not isinstance(body, dict) or not texts_ok(body.get("text")) or not body.get("target_lang"):
            return 400, "Bad request: text and target_lang are required"
        return None

    def answer(self, body: Any) -> Any:
        return {"translations": [{"detected_source_language": "EN", "text": transform(t, xml=True)}
                                 for t in body["text"]]}


class GoogleHandler(ProviderHandler):
    """https://cloud.google.com/translate/docs/reference/rest/v2/translate."""

    path_expected = "/language/translate/v2"

    def error(self, message: str) -> Any:
        return {"error": {"code": 400, "message": message}}

    def check(self, body: Any, query: dict[str, str]) -> tuple[int, str] | None:
        if query.get("key") != API_KEY:
            return 400, "API key not valid. Please pass a valid API key."
        if not isinstance(body, dict) or not texts_ok(body.get("q")) or not body.get("target"):
            return 400, "Required Text and target"
        return None

    def answer(self, body: Any) -> Any:
        return {"data": {"translations": [{"translatedText": transform(t, quote=True)} for t in body["q"]]}}


class OpenAIHandler(ProviderHandler):
    """OpenAI chat completions (as Ollama and vLLM serve it): POST /v1/chat/completions."""

    path_expected = "/v1/chat/completions"
    fenced = True  # answer inside a ```json fence with a sentence before, as chatty models do

    def check(self, body: Any, query: dict[str, str]) -> tuple[int, str] | None:
        if not isinstance(body, dict) or not body.get("model") or not isinstance(body.get("messages"), list):
            return 400, "model and messages are required"
        return None

    def answer(self, body: Any) -> Any:
        texts = json.loads(body["messages"][-1]["content"])
        content = json.dumps([llm_transform(t) for t in texts], ensure_ascii=False)
        if self.fenced:
            content = f"Here are the translations:\n```json\n{content}\n```"
        return {"id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop"}]}


def serve(handler: type[ProviderHandler]) -> Iterator[ProviderServer]:
    """Run a provider server in a thread for one test (use from a fixture)."""
    server = ProviderServer(handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()  # wake a "hang" handler so its thread ends with the test
        server.shutdown()
        server.server_close()
        thread.join(5)
