"""DeepL API v2: ``POST /v2/translate`` with ``tag_handling: xml`` so markers stay XML tags.

Free keys end in ":fx" and use api-free.deepl.com; ``DEEPL_URL`` overrides (tests, proxies).
Markers are listed as ``non_splitting_tags``: they wrap words inside a sentence and must not
cut it in two. HTTP 456 is DeepL's "quota exceeded": retrying will not help until the quota resets.
Documented limits: 50 texts and 128 KiB per request.

Glossaries: DeepL applies a glossary only by id, so the terms are sent once as a glossary
(``POST /v2/glossaries`` with TSV entries) and its id is remembered per content hash, API endpoint
and key; a changed glossary gets a new id. A glossary needs an explicit source language (we always
send one). DeepL glossaries have no case or word-boundary options: the terms apply as DeepL decides.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Mapping
from typing import Any

from service.translation.machinery.base import MARKER, Engine, EngineError
from service.translation.machinery.http import malformed, post_json
from service.translation.machinery.markup import escape_markup, restore_all

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
# DeepL wants a variant for these targets; Eurasianet writes American English.
TARGET_VARIANTS = {"EN": "EN-US", "PT": "PT-PT"}
STATUSES = {403: "authorization failed (check TRANSDESK_DEEPL_API_KEY)", 456: "quota exceeded"}
# TSV entries may not hold tabs, line breaks or other control characters.
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

# (endpoint, key hash, source, target, content hash) → glossary id; per process, like the result cache.
_glossary_ids: dict[tuple[str, ...], str] = {}
_glossary_lock = threading.Lock()


def glossary_tsv(glossary: Mapping[str, str]) -> str:
    """DeepL's TSV entries: one "source<TAB>target" per line, whitespace-trimmed, no control characters."""
    lines: dict[str, str] = {}
    for source, target in glossary.items():
        s, t = (" ".join(CONTROL.sub(" ", value).split()) for value in (source, target))
        if s and t:
            lines.setdefault(s, t)
    return "\n".join(f"{s}\t{t}" for s, t in sorted(lines.items()))


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

    accepts_glossary = True

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"DeepL-Auth-Key {self.setting('api_key')}"}

    def glossary_id(self, glossary: Mapping[str, str], source: str, target: str, *, fresh: bool = False) -> str | None:
        """The id of a DeepL glossary holding exactly these terms, created on first use (or when ``fresh``)."""
        entries = glossary_tsv(glossary)
        if not entries:
            return None
        src, tgt = deepl_lang(source, target=False).lower(), deepl_lang(target, target=False).lower()
        key = (self.base_url(), hashlib.sha256(self.setting("api_key").encode()).hexdigest(), src, tgt,
               hashlib.sha256(entries.encode()).hexdigest())
        with _glossary_lock:
            known = _glossary_ids.get(key)
        if known and not fresh:
            return known
        body = post_json(self.name, self.base_url() + "/v2/glossaries",
                         {"name": f"transdesk {src}-{tgt} {key[-1][:12]}", "source_lang": src, "target_lang": tgt,
                          "entries": entries, "entries_format": "tsv"},
                         timeout=self.timeout, headers=self.headers(), statuses=STATUSES)
        glossary_id = body.get("glossary_id") if isinstance(body, dict) else None
        if not isinstance(glossary_id, str) or not glossary_id:
            raise malformed(self.name, "no glossary_id")
        with _glossary_lock:
            _glossary_ids[key] = glossary_id
        return glossary_id

    def translate_masked(self, texts: list[str], source: str, target: str,
                         glossary: Mapping[str, str] | None = None) -> list[str | None]:
        payload: dict[str, Any] = {
            "text": [escape_markup(text) for text in texts],
            "source_lang": deepl_lang(source, target=False),
            "target_lang": deepl_lang(target, target=True),
            "tag_handling": "xml",
        }
        tags = sorted({f"x{m.group(2)}" for text in texts for m in MARKER.finditer(text)})
        if tags:
            payload["non_splitting_tags"] = tags
        glossary_id = self.glossary_id(glossary, source, target) if glossary else None
        if glossary_id:
            payload["glossary_id"] = glossary_id
        url = self.base_url() + "/v2/translate"
        try:
            body = post_json(self.name, url, payload, timeout=self.timeout, headers=self.headers(), statuses=STATUSES)
        except EngineError as exc:
            # A glossary deleted on DeepL's side fails every request that names it (404): make it again, once.
            if not glossary_id or "HTTP 404" not in str(exc):
                raise
            payload["glossary_id"] = self.glossary_id(glossary or {}, source, target, fresh=True)
            body = post_json(self.name, url, payload, timeout=self.timeout, headers=self.headers(), statuses=STATUSES)
        try:
            translated = [item["text"] for item in body["translations"]]
        except (KeyError, TypeError):
            raise malformed(self.name, "no translations[].text") from None
        if not all(isinstance(t, str) for t in translated):
            raise malformed(self.name, "translation text is not text")
        return restore_all(self.name, translated, texts)
