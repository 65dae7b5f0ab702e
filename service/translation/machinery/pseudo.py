"""Pseudo-localization: shows layout and tag problems before any real translation exists.

Letters get accents, every text grows by about a third (translations into Russian run longer than
English), and the result is bracketed ``⟦…⟧`` so no one can mistake it for a translation. Markers
(``<x1>``) are left untouched.
"""

from __future__ import annotations

import re

from service.translation.machinery.base import Engine

ACCENTED = str.maketrans(
    "abcdeghiklnorstuyzABCDEGHIKLNORSTUYZ",
    "åƀçđéĝĥíķļñóŕšţúýžÅƁÇĐÉĜĤÍĶĻÑÓŔŠŢÚÝŽ",
)
MARKER_OR_TEXT = re.compile(r"(<[^>]*>)")
PAD = "·"


def pseudo_localize(text: str) -> str:
    parts = MARKER_OR_TEXT.split(text)
    letters = sum(len(p) for p in parts if not p.startswith("<"))
    accented = "".join(p if p.startswith("<") else p.translate(ACCENTED) for p in parts)
    padding = PAD * max(1, round(letters / 3))
    return f"⟦{accented} {padding}⟧"


class PseudoEngine(Engine):
    name = "pseudo"
    label = "Pseudo-localization (not a translation)"
    batch_size = 100
    max_chars = 100_000

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        return [pseudo_localize(text) for text in texts]


class NoneEngine(Engine):
    """No machine translation: segments wait for a person."""

    name = "none"
    label = "No machine translation"
    batch_size = 1000
    max_chars = 10_000_000

    def translate_masked(self, texts: list[str], source: str, target: str) -> list[str | None]:
        return [None for _ in texts]
