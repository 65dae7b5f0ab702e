"""What readers get: published language versions inside the site layout, and the health check."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from babel import negotiate_locale
from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from sqlalchemy import select, text
from werkzeug.exceptions import NotFound as HTTPNotFound

from service import languages
from service.articles.models import Article
from service.errors import NotFound
from service.extensions import db
from service.public import links
from service.public.menus import site_menus
from service.publishing import services as publishing
from service.timing import add_server_timing

bp = Blueprint("public", __name__, template_folder="templates", static_folder="static",
               static_url_path="/public-static")


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    checks: dict[str, Any] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:  # any driver error means "down" here
        db.session.rollback()
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    started = time.monotonic()
    try:
        with current_app.extensions["celery"].connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    except Exception as exc:  # kombu raises transport-specific errors
        checks["broker"] = {"ok": False, "error": type(exc).__name__}
    ok = all(c["ok"] for c in checks.values())
    return jsonify(status="ok" if ok else "down", **checks), (200 if ok else 503)


def site_languages() -> list[str]:
    """The languages the site (menus, UI, feeds) is offered in: the LANGUAGES setting."""
    return [code.strip() for code in current_app.config["TRANSDESK_LANGUAGES"].split(",") if code.strip()]


def _known_lang(lang: str) -> str:
    try:
        return languages.validate(lang)
    except Exception:
        raise NotFound("no such page") from None


def _reader_lang() -> str:
    """The 404 page's language: the URL's when the site is offered in it, else negotiated, else English."""
    offered = site_languages()
    wanted = (request.view_args or {}).get("lang")
    if wanted:
        try:
            code = languages.validate(wanted)
        except Exception:
            code = ""
        if code in offered:
            return code
    preferred = [value.replace("-", "_") for value, _quality in request.accept_languages]
    best = negotiate_locale(preferred, [code.replace("-", "_") for code in offered], sep="_")
    return best.replace("_", "-") if best else "en"


@bp.errorhandler(NotFound)
@bp.errorhandler(HTTPNotFound)
def not_found(exc: Exception) -> ResponseReturnValue:
    """Reader routes answer 404 in the reader's language, inside the site layout (staff pages keep theirs)."""
    db.session.rollback()
    lang = _reader_lang()
    g.reader_lang = lang
    with force_locale(lang.replace("-", "_")):
        html = render_template(
            "public/404.html", lang=lang, dir=languages.direction(lang), og_locale=languages.og_locale(lang),
            alternates=[], menus=site_menus(lang), page_title=gettext("Page not found"),
        )
    response = make_response(html, 404)
    response.headers["Content-Language"] = lang
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response


add_server_timing(bp)  # for bench/reader.py


@dataclass(frozen=True)
class _Page:
    html: str
    etag: str
    last_modified: datetime


# Rendered reader pages per worker process, keyed on everything they show (see _page_key).
PAGE_CACHE_SIZE = 128
_pages: OrderedDict[tuple[Any, ...], _Page] = OrderedDict()
_pages_lock = threading.Lock()


class _Stamp:
    """This worker's last read of ``publishing.live_stamp()`` and when it was read (monotonic seconds)."""

    value: tuple[Any, ...] = ()
    read_at = float("-inf")
    lock = threading.Lock()


def _live_stamp() -> tuple[Any, ...]:
    """The live stamp, read from the database at most once per READER_STAMP_TTL in this process.

    Reading it on every request was the one database round trip left on a cached page (about half the
    cost of serving it); a publish in this process drops the read at once (``live_changed``)."""
    ttl = current_app.config["TRANSDESK_READER_STAMP_TTL"]
    with _Stamp.lock:
        if time.monotonic() - _Stamp.read_at < ttl:
            return _Stamp.value
    value = publishing.live_stamp()
    with _Stamp.lock:
        _Stamp.value, _Stamp.read_at = value, time.monotonic()
    return value


@publishing.live_changed.connect
def _forget_stamp(_sender: object, **_kwargs: Any) -> None:
    with _Stamp.lock:
        _Stamp.read_at = float("-inf")


def _page_key(lang: str, slug: str) -> tuple[Any, ...]:
    """What an article page depends on: the URL, the host (absolute links), the year (the footer) and
    the live stamp (its snapshot, alternates, rewritten links and boxes all follow what is live)."""
    return (lang, slug, request.host_url, datetime.now(UTC).year, _live_stamp())


@bp.route("/<lang>/<slug>")
def article(lang: str, slug: str) -> ResponseReturnValue:
    lang = _known_lang(lang)
    g.reader_lang = lang
    key = _page_key(lang, slug)
    with _pages_lock:
        page = _pages.get(key)
        if page is not None:
            _pages.move_to_end(key)
    if page is None:
        page = _render_article(lang, slug)
        with _pages_lock:
            _pages[key] = page
            while len(_pages) > PAGE_CACHE_SIZE:
                _pages.popitem(last=False)
    response = make_response(page.html)
    response.headers["Content-Language"] = lang
    response.cache_control.public = True
    response.cache_control.max_age = 60
    response.last_modified = page.last_modified
    response.set_etag(page.etag)
    return response.make_conditional(request)


def _render_article(lang: str, slug: str) -> _Page:
    item, snapshot, versions = publishing.reader_snapshot(slug, lang)
    alternates = [
        {"lang": v.lang, "name": languages.native_name(v.lang), "current": v.lang == lang,
         "og_locale": languages.og_locale(v.lang),
         "url": url_for("public.article", lang=v.lang, slug=slug, _external=True)}
        for v in versions
    ]
    # Body links and the Related/Popular boxes depend on what else is live in ``lang`` (not on the snapshot).
    live = publishing.live_in(lang)
    parts = links.localized_parts(snapshot.id, publishing.snapshot_parts(snapshot), lang,
                                  links.targets(live, request.host))
    with force_locale(lang):
        html = render_template(
            "public/article.html", lang=lang, dir=languages.direction(lang), og_locale=languages.og_locale(lang),
            page_title=_plain_title(snapshot.title), canonical_url=url_for("public.article", lang=lang, slug=slug,
                                                                            _external=True),
            alternates=alternates, x_default_url=url_for("public.negotiate", slug=slug, _external=True),
            feed_url=url_for("public.feed", lang=lang, _external=True) if lang in site_languages() else None,
            menus=site_menus(lang), article=parts, boxes=links.boxes(live, item.id, lang),
        )
    # The switcher lists the other published versions, and the links and boxes every article live in
    # ``lang``, so the page is as new as the latest of them (else a cache revalidating by date keeps a page
    # without the new language or article), and the tag covers them all.
    last_modified = max([v.published_at or snapshot.created_at for v in versions]
                        + [other.published_at for other in live if other.published_at])
    etag = hashlib.sha256(
        f"{lang}:{snapshot.id}:{','.join(f'{v.lang}{v.snapshot_id}' for v in versions)}:"
        f"{','.join(f'{o.article_id}.{o.snapshot_id}.{o.languages}' for o in live)}".encode()
    ).hexdigest()[:32]
    return _Page(html, etag, last_modified)


def _plain_title(title_html: str) -> str:
    from lxml import html as lxml_html

    return lxml_html.fragment_fromstring(title_html or "-", create_parent="span").text_content().strip()


@bp.route("/<slug>")
def negotiate(slug: str) -> ResponseReturnValue:
    item = db.session.scalar(select(Article).filter_by(slug=slug))
    if item is None:
        raise NotFound("no such page")
    versions = publishing.published_versions(item)
    if not versions:
        raise NotFound("no such page")
    offered = [v.lang for v in versions]
    best = request.accept_languages.best_match(offered) or item.source_lang
    if best not in offered:
        best = offered[0]
    response = redirect(url_for("public.article", lang=best, slug=slug), code=302)
    response.headers["Vary"] = "Accept-Language"
    return response


# The feeds register their routes on ``bp``; imported last because they use it.
from service.public import feeds  # noqa: E402,F401
