"""What readers get: published language versions inside the site layout, and the health check."""

from __future__ import annotations

import hashlib
import time
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
from service.public.menus import site_menus
from service.publishing import services as publishing

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


@bp.route("/<lang>/<slug>")
def article(lang: str, slug: str) -> ResponseReturnValue:
    lang = _known_lang(lang)
    item, snapshot, versions = publishing.reader_snapshot(slug, lang)
    g.reader_lang = lang
    alternates = [
        {"lang": v.lang, "name": languages.native_name(v.lang), "current": v.lang == lang,
         "og_locale": languages.og_locale(v.lang),
         "url": url_for("public.article", lang=v.lang, slug=slug, _external=True)}
        for v in versions
    ]
    with force_locale(lang):
        html = render_template(
            "public/article.html", lang=lang, dir=languages.direction(lang), og_locale=languages.og_locale(lang),
            page_title=_plain_title(snapshot.title), canonical_url=url_for("public.article", lang=lang, slug=slug,
                                                                            _external=True),
            alternates=alternates, x_default_url=url_for("public.negotiate", slug=slug, _external=True),
            feed_url=url_for("public.feed", lang=lang, _external=True) if lang in site_languages() else None,
            menus=site_menus(lang), article=publishing.snapshot_parts(snapshot),
        )
    response = make_response(html)
    response.headers["Content-Language"] = lang
    response.cache_control.public = True
    response.cache_control.max_age = 60
    # The switcher lists the other published versions, so the page is as new as the latest of them
    # (else a cache revalidating by date keeps a page without the new language), and the tag covers all.
    response.last_modified = max(v.published_at or snapshot.created_at for v in versions)
    response.set_etag(hashlib.sha256(
        f"{lang}:{snapshot.id}:{','.join(f'{v.lang}{v.snapshot_id}' for v in versions)}".encode()
    ).hexdigest()[:32])
    return response.make_conditional(request)


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
