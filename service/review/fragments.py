"""Rendered segments kept per process, so that the editor of a long article re-renders only what changed.

Rendering ``review/_segment.html`` 300 times was most of the editor's server time (``bench/ui.py``). The
cache key holds every value the partial reads, not just the row's version: workers and re-imports write rows
too, and the UI language, rights and filters change the markup. The CSRF token is never cached: fragments
carry a marker that the finished page replaces with this session's token.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import render_template
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from service.articles.models import Segment
from service.translation.models import Translation

CSRF_MARK = "csrf-token-of-this-session"  # never a real token (those are signed base64)
MAX_ENTRIES = 3000

_cache: OrderedDict[Hashable, str] = OrderedDict()
_lock = threading.Lock()  # gunicorn's sync workers have one thread, the development server has many


def _key(segment: Segment, tr: Translation, engine: str | None, context: dict[str, Any]) -> Hashable:
    article, filters = context["article"], context["filters"]
    return (str(get_locale()), context["lang"], context["can_review"], article.id, article.source_lang,
            tuple(filters.args().items()), tuple(s.key for s in context["panel_sections"]),
            context["glossary_stamp"],  # the source's term marks
            segment.id, segment.position, segment.kind, segment.source,
            tr.id, tr.version, tr.state, tr.text, tr.origin, tr.engine, tr.mt_text, tr.reason, engine,
            tuple(sorted((tr.link_targets or {}).items())))


def segment_renderer(context: dict[str, Any], engines: dict[int, str]) -> Callable[[Segment, Translation], Markup]:
    """``render(segment, tr)``: the segment's partial without a message, from the cache when nothing changed."""

    def render(segment: Segment, tr: Translation) -> Markup:
        key = _key(segment, tr, engines.get(segment.id), context)
        with _lock:
            html = _cache.get(key)
            if html is not None:
                _cache.move_to_end(key)
        if html is None:
            html = render_template("review/_segment.html", segment=segment, tr=tr, message="", error=False,
                                   typed=None, seg_conflict=None, engines=engines, **context,
                                   csrf_token=lambda: CSRF_MARK)
            with _lock:
                _cache[key] = html
                while len(_cache) > MAX_ENTRIES:
                    _cache.popitem(last=False)
        return Markup(html)

    return render


def with_csrf(page: str) -> str:
    """The finished page with this session's CSRF token where the cached fragments have the marker."""
    return page.replace(CSRF_MARK, generate_csrf())
