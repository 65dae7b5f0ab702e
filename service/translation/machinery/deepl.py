"""DeepL API v2: ``POST /v2/translate`` with ``tag_handling: xml`` so markers stay XML tags.

Free keys end in ":fx" and use api-free.deepl.com; ``DEEPL_URL`` overrides (tests, proxies).
Markers are listed as ``non_splitting_tags``: they wrap words inside a sentence and must not
cut it in two. HTTP 456 is DeepL's "quota exceeded": retrying will not help until the quota resets.
Documented limits: 50 texts and 128 KiB per request.
"""

from __future__ import annotations

from typing import Any

from service.translation.machinery.base import MARKER, Engine
from service.translation.machinery.http import malformed, post_json
from service.translation.machinery.markup import escape_markup, restore_all

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
# DeepL wants a variant for these targets; Eurasianet writes American English.
TARGET_VARIANTS = {"EN": "EN-US", "PT": "PT-PT"}
STATUSES = {403: "authorization failed (check TRANSDESK_DEEPL_API_KEY)", 456: "quota exceeded"}


def deepl_lang(code: str, *, target: bool) -> str:
    base = code.split("-")[0].split("_")[0].upper()
    return TARGET_VARIANTS.get(base, base) if target else base


class DeepLEngine(Engine):
    name = "deepl"
    label = "DeepL"
    batch_size = 50
    max_chars = 30_000
    cached = True
    config_keys = {"url": "DEEPL_URL", "api_key": "DEEPL_API_KEY"}
    required = ("api_key",)

    def base_url(self) -> str:
        key = self.setting("api_key")
        return self.setting("url", FREE_URL if key.endswith(":fx") else PRO_URL).rstrip("/")

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        payload: dict[str, Any] = {
            "text": [escape_markup(text) for text in texts],
            "source_lang": deepl_lang(source, target=False),
            "target_lang": deepl_lang(target, target=True),
            "tag_handling": "xml",
        }
        tags = sorted({f"x{m.group(2)}" for text in texts for m in MARKER.finditer(text)})
        if tags:
            payload["non_splitting_tags"] = tags
        headers = {"Authorization": f"DeepL-Auth-Key {self.setting('api_key')}"}
        body = post_json(self.name, self.base_url() + "/v2/translate", payload, timeout=self.timeout,
                         headers=headers, statuses=STATUSES)
        try:
            translated = [item["text"] for item in body["translations"]]
        except (KeyError, TypeError):
            raise malformed(self.name, "no translations[].text") from None
        if not all(isinstance(t, str) for t in translated):
            raise malformed(self.name, "translation text is not text")
        return restore_all(self.name, translated, texts)
