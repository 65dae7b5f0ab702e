"""Inline markup <-> numbered placeholders.

Translators (and machine translation) see ``Lavrov {1}recently announced{/1} that`` instead of HTML; the tag
names and attributes live in a side table (``Tags``) and are never shown. Void elements become ``{2/}``.
Literal braces in text are doubled (``{{`` / ``}}``) so they can never be confused with placeholders.

Protected content -- ``<code>`` and any element with ``translate="no"`` -- becomes ONE void placeholder
(``{3/}``) whose tag keeps the element's serialized inner HTML under the reserved attribute key ``PROTECTED``
(a key with a space, which no parsed HTML attribute can have). Translators move the placeholder but cannot
change what it stands for; ``open_tag_html`` writes such a tag as the whole element, so every serializer path
(segments and the gaps between them) restores it.

``tagged_to_html`` is THE serializer for block HTML: ingest re-serializes every block through
``tagged_to_html(*html_to_tagged(raw))`` so that the round trip is exact by construction. Its rules:
text escapes ``& < >`` and writes U+00A0 as ``&nbsp;``; attributes are written sorted by name with ``& < > "``
escaped; void elements are written as ``<br>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser

Tags = dict[str, dict]

VOID_ELEMENTS = frozenset({"br", "wbr", "img", "hr"})
PROTECTED = " inner"  # reserved attrs key: the protected element's inner HTML (see module docstring)
PROTECTED_TAGS = frozenset({"code"})

# "{{" / "}}" are escapes; "{n}", "{/n}", "{n/}" are placeholders; anything else is literal text.
_TOKEN_RE = re.compile(r"\{\{|\}\}|\{(/?)(\d+)(/?)\}")
PLACEHOLDER_RE = re.compile(r"\{/?\d+/?\}")


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\u00a0", "&nbsp;")


def escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def open_tag_html(name: str, attrs: dict) -> str:
    """The start tag; for a protected tag, the whole element with its kept content."""
    parts = [name] + [f'{key}="{_escape_attr(str(attrs[key]))}"' for key in sorted(attrs) if key != PROTECTED]
    start = "<" + " ".join(parts) + ">"
    return f"{start}{attrs[PROTECTED]}</{name}>" if PROTECTED in attrs else start


def is_protected(name: str, attrs: dict) -> bool:
    return name in PROTECTED_TAGS or str(attrs.get("translate", "")).strip().lower() == "no"


class _TaggingParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.tags: Tags = {}
        self.stack: list[tuple[str, str]] = []  # (tag name, placeholder id)
        # Inside a protected element: its id, the open tags within it, and its inner HTML so far.
        self.protected: tuple[str, list[str], list[str]] | None = None

    def _new_id(self, name: str, attrs: list[tuple[str, str | None]]) -> str:
        tag_id = str(len(self.tags) + 1)
        clean = {k: (v if v is not None else "") for k, v in attrs if k != PROTECTED}
        self.tags[tag_id] = {"name": name, "attrs": clean}
        return tag_id

    def _close_protected(self) -> None:
        assert self.protected is not None
        tag_id, inner_stack, inner = self.protected
        inner.extend(f"</{name}>" for name in reversed(inner_stack))
        self.tags[tag_id]["attrs"][PROTECTED] = "".join(inner)
        self.protected = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.protected is not None:
            values = {k: (v if v is not None else "") for k, v in attrs if k != PROTECTED}
            self.protected[2].append(open_tag_html(tag, values))
            if tag not in VOID_ELEMENTS:
                self.protected[1].append(tag)
            return
        tag_id = self._new_id(tag, attrs)
        if tag not in VOID_ELEMENTS and is_protected(tag, self.tags[tag_id]["attrs"]):
            self.out.append(f"{{{tag_id}/}}")
            self.protected = (tag_id, [], [])
            return
        if tag in VOID_ELEMENTS:
            self.out.append(f"{{{tag_id}/}}")
        else:
            self.out.append(f"{{{tag_id}}}")
            self.stack.append((tag, tag_id))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.protected is not None:
            values = {k: (v if v is not None else "") for k, v in attrs if k != PROTECTED}
            self.protected[2].append(open_tag_html(tag, values) + ("" if tag in VOID_ELEMENTS else f"</{tag}>"))
            return
        if tag in VOID_ELEMENTS:
            self.out.append(f"{{{self._new_id(tag, attrs)}/}}")
        else:  # "<em/>" in HTML is an empty element
            tag_id = self._new_id(tag, attrs)
            self.out.append(f"{{{tag_id}}}{{/{tag_id}}}")

    def handle_endtag(self, tag: str) -> None:
        if self.protected is not None:
            inner_stack, inner = self.protected[1], self.protected[2]
            if tag in inner_stack:
                while inner_stack:
                    name = inner_stack.pop()
                    inner.append(f"</{name}>")
                    if name == tag:
                        break
            elif tag == self.tags[self.protected[0]]["name"]:
                self._close_protected()
            return  # a stray end tag inside is dropped
        # Close up to the matching open tag; stray end tags are dropped (as browsers do).
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                while len(self.stack) > depth:
                    self.out.append(f"{{/{self.stack.pop()[1]}}}")
                return

    def handle_data(self, data: str) -> None:
        if self.protected is not None:
            self.protected[2].append(escape_text(data))
            return
        self.out.append(escape_braces(data))


def html_to_tagged(inner_html: str) -> tuple[str, Tags]:
    """Inner HTML -> (text with placeholders, tag table). Entities are decoded; unclosed tags are closed."""
    parser = _TaggingParser()
    parser.feed(inner_html)
    parser.close()
    if parser.protected is not None:
        parser._close_protected()
    while parser.stack:
        parser.out.append(f"{{/{parser.stack.pop()[1]}}}")
    return "".join(parser.out), parser.tags


def tagged_to_html(text: str, tags: Tags) -> str:
    """Inverse of ``html_to_tagged``. Raises ValueError on unknown, repeated or unbalanced placeholders."""
    out: list[str] = []
    open_ids: list[str] = []
    used: set[str] = set()
    pos = 0
    for match in _TOKEN_RE.finditer(text):
        out.append(escape_text(text[pos : match.start()]))
        pos = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            out.append(escape_text(token[0]))
            continue
        closing, tag_id, void = match.group(1), match.group(2), match.group(3)
        tag = tags.get(tag_id)
        if tag is None:
            raise ValueError(f"unknown placeholder {token}")
        name = tag["name"]
        if closing and void:
            raise ValueError(f"malformed placeholder {token}")
        if closing:
            if not open_ids or open_ids[-1] != tag_id:
                raise ValueError(f"unbalanced placeholder {token}")
            open_ids.pop()
            out.append(f"</{name}>")
            continue
        if tag_id in used:
            raise ValueError(f"placeholder {token} used twice")
        used.add(tag_id)
        attrs = tag.get("attrs") or {}
        if bool(void) != (name in VOID_ELEMENTS or PROTECTED in attrs):
            raise ValueError(f"placeholder {token} does not match its tag")
        out.append(open_tag_html(name, attrs))
        if not void:
            open_ids.append(tag_id)
    out.append(escape_text(text[pos:]))
    if open_ids:
        raise ValueError(f"unclosed placeholder {{{open_ids[-1]}}}")
    return "".join(out)


def placeholders(text: str) -> list[str]:
    """The placeholder tokens in order, e.g. ["{1}", "{/1}", "{2/}"] (escaped braces are not placeholders)."""
    return [m.group(0) for m in _TOKEN_RE.finditer(text) if m.group(2)]


def strip_placeholders(text: str) -> str:
    """Plain text for humans and segmenters: placeholders removed, ``{{ }}`` unescaped."""
    return _TOKEN_RE.sub(lambda m: "" if m.group(2) else m.group(0)[0], text)


# Per-language link targets (service/translation/links.py): segment id → {placeholder: href}.
LinkTargets = Mapping[int, Mapping[str, str]]


def with_targets(tags: Tags, targets: Mapping[str, str] | None) -> Tags:
    """``tags`` with the overridden hrefs (a new dict: the segment's own tags are never changed)."""
    if not targets:
        return tags
    out: Tags = dict(tags)
    for n, href in targets.items():
        if n in out and out[n].get("name") == "a":
            out[n] = {**out[n], "attrs": {**out[n].get("attrs", {}), "href": href}}
    return out
