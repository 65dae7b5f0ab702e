"""A local server that speaks LibreTranslate's documented API (POST /translate), with faults on demand."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Behaviour:
    latency: float = 0.0  # seconds before answering
    failure_rate: float = 0.0  # share of requests answered with 503
    seed: int = 7
    requests: int = 0
    failures: int = 0
    texts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)


@contextmanager
def libretranslate_server(behaviour: Behaviour) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with behaviour.lock:
                behaviour.requests += 1
                fail = behaviour.rng.random() < behaviour.failure_rate
                behaviour.failures += fail
            time.sleep(behaviour.latency)
            if self.path != "/translate" or fail:
                self.send_response(503 if fail else 404)
                self.end_headers()
                return
            texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
            with behaviour.lock:
                behaviour.texts += len(texts)
            payload = json.dumps({"translatedText": [f"RU {text}" for text in texts]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
