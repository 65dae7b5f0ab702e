"""LibreTranslate (self-hosted, see docker-compose.yml): ``POST {url}/translate``.

Sent as ``format: html`` so markers are treated as tags, not words to translate; see markup.py.
The API documents no per-request limit by default (``--char-limit``/``--batch-limit`` are the
server's options); batches stay modest because one request is translated on one server thread.
"""

from __future__ import annotations

from typing import Any

from service.translation.machinery.base import Engine
from service.translation.machinery.http import malformed, post_json
from service.translation.machinery.markup import escape_markup, restore_all


class LibreTranslateEngine(Engine):
    name = "libretranslate"
    label = "LibreTranslate"
    batch_size = 25
    max_chars = 5000
    cached = True
    config_keys = {"url": "LIBRETRANSLATE_URL", "api_key": "LIBRETRANSLATE_API_KEY"}
    required = ("url",)

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        sent = [escape_markup(text) for text in texts]
        payload: dict[str, Any] = {"q": sent, "source": source, "target": target, "format": "html"}
        if self.setting("api_key"):
            payload["api_key"] = self.setting("api_key")
        body = post_json(self.name, self.setting("url").rstrip("/") + "/translate", payload, timeout=self.timeout)
        translated = body.get("translatedText") if isinstance(body, dict) else None
        if not isinstance(translated, list) or not all(isinstance(t, str) for t in translated):
            raise malformed(self.name, "no translatedText list")
        return restore_all(self.name, translated, texts)
