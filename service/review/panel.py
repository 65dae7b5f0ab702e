"""The editor's side panel: the machine draft inline, then pluggable sections each loaded by htmx.

A section is a GET endpoint taking ``article_id``, ``lang`` and ``segment_id`` that answers a fragment to
``HX-Request`` and a full page otherwise (the no-JS link). It loads when the segment takes the focus (or its
link is followed). Adding one is one line in ``PANEL_SECTIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import LazyString, lazy_gettext


@dataclass(frozen=True)
class PanelSection:
    key: str  # the slot's name, also the prefix of its element id
    title: LazyString
    endpoint: str
    link: LazyString  # the link shown before the section is loaded


PANEL_SECTIONS: tuple[PanelSection, ...] = (
    PanelSection("tm", lazy_gettext("Translation memory"), "collab.tm_matches", lazy_gettext("Show matches")),
    PanelSection("glossary", lazy_gettext("Glossary"), "glossary.segment_hits", lazy_gettext("Show glossary terms")),
    PanelSection("comments", lazy_gettext("Comments"), "collab.comments", lazy_gettext("Show comments")),
)

_MARK = 2_147_483_647  # stands for the segment id in a URL built once per page


class SegmentUrls:
    """``url_for`` once per endpoint and page, then the segment id put in: 300 segments × 6 links add up.

    ``urls("review.act", 12)``; ``keep_filters`` endpoints also carry the editor's filters, so that a form
    posted from a filtered view comes back to it.
    """

    def __init__(self, article_id: int, lang: str, filters: dict[str, str]) -> None:
        self.article_id, self.lang, self.filters = article_id, lang, filters
        self._patterns: dict[tuple[str, bool], str] = {}

    def __call__(self, endpoint: str, segment_id: int, keep_filters: bool = False) -> str:
        key = (endpoint, keep_filters)
        pattern = self._patterns.get(key)
        if pattern is None:
            extra: dict[str, Any] = self.filters if keep_filters else {}
            pattern = self._patterns[key] = url_for(endpoint, article_id=self.article_id, lang=self.lang,
                                                    segment_id=_MARK, **extra)
        return pattern.replace(str(_MARK), str(segment_id), 1)


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    endpoint: str
    link: str


def sections() -> list[SectionView]:
    """The sections with their titles translated once per page (not once per segment)."""
    return [SectionView(s.key, str(s.title), s.endpoint, str(s.link)) for s in PANEL_SECTIONS]
