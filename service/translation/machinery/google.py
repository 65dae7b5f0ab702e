"""Google Cloud Translation v2 (Basic) REST: ``POST {url}/language/translate/v2?key=…``.

``format: html`` keeps markers as tags (see markup.py). Documented limits: 128 strings per request
and about 5,000 characters recommended per request.
"""

from __future__ import annotations

from service.translation.machinery.base import Engine
from service.translation.machinery.http import malformed, post_json
from service.translation.machinery.markup import escape_markup, restore_all

DEFAULT_URL = "https://translation.googleapis.com"


class GoogleEngine(Engine):
    name = "google"
    label = "Google Cloud Translation"
    batch_size = 128
    max_chars = 5000
    cached = True
    config_keys = {"url": "GOOGLE_URL", "api_key": "GOOGLE_API_KEY"}
    required = ("api_key",)

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        payload = {"q": [escape_markup(text) for text in texts], "source": source, "target": target,
                   "format": "html"}
        url = self.setting("url", DEFAULT_URL).rstrip("/") + "/language/translate/v2"
        body = post_json(self.name, url, payload, timeout=self.timeout, params={"key": self.setting("api_key")})
        try:
            translated = [item["translatedText"] for item in body["data"]["translations"]]
        except (KeyError, TypeError):
            raise malformed(self.name, "no data.translations[].translatedText") from None
        if not all(isinstance(t, str) for t in translated):
            raise malformed(self.name, "translatedText is not text")
        return restore_all(self.name, translated, texts)
