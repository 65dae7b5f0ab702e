"""Machine-readable reader routes: ``/sitemap.xml`` (with hreflang alternates) and an Atom feed per language."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, gettext
from lxml import etree
from lxml import html as lxml_html
from werkzeug.wrappers import Response as BaseResponse

from service import languages
from service.errors import NotFound
from service.public.menus import SITE_NAME
from service.public.views import bp, site_languages
from service.publishing import services as publishing

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _xml(root: etree._Element, mimetype: str, updated: datetime | None) -> BaseResponse:
    body = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    response.cache_control.public = True
    response.cache_control.max_age = 300
    if updated is not None:
        response.last_modified = updated
    response.add_etag()
    return response.make_conditional(request)


def _article_url(lang: str, slug: str) -> str:
    return url_for("public.article", lang=lang, slug=slug, _external=True)


@bp.route("/sitemap.xml")
def sitemap() -> ResponseReturnValue:
    """Every live article version, each listing all of its article's versions (reciprocal) and x-default."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "xhtml": XHTML_NS})
    newest: datetime | None = None
    for article, versions in publishing.all_published():
        for version in versions:
            url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
            etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = _article_url(version.lang, article.slug)
            if version.published_at:
                etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = _iso(version.published_at)
                newest = max(newest, version.published_at) if newest else version.published_at
            for other in versions:
                etree.SubElement(url, f"{{{XHTML_NS}}}link", rel="alternate", hreflang=other.lang,
                                 href=_article_url(other.lang, article.slug))
            etree.SubElement(url, f"{{{XHTML_NS}}}link", rel="alternate", hreflang="x-default",
                             href=url_for("public.negotiate", slug=article.slug, _external=True))
    return _xml(root, "application/xml", newest)


def _plain(fragment: str | None) -> str:
    if not fragment:
        return ""
    return str(lxml_html.fragment_fromstring(fragment, create_parent="span").text_content()).strip()


@bp.route("/<lang>/feed.xml")
def feed(lang: str) -> ResponseReturnValue:
    """The newest articles published in ``lang`` (a site language), as Atom."""
    try:
        code = languages.validate(lang)
    except Exception:
        raise NotFound("no such feed") from None
    if code not in site_languages():
        raise NotFound("no such feed")
    entries = publishing.published_in(code)[:FEED_SIZE]
    self_url = url_for("public.feed", lang=code, _external=True)
    with force_locale(code.replace("-", "_")):
        title = gettext("%(site)s: latest articles", site=SITE_NAME)
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    root.set("{http://www.w3.org/XML/1998/namespace}lang", code)
    etree.SubElement(root, f"{{{ATOM_NS}}}id").text = self_url
    etree.SubElement(root, f"{{{ATOM_NS}}}title").text = title
    dates = [v.published_at for _a, v in entries if v.published_at]
    updated = max(dates) if dates else datetime(2024, 1, 1, tzinfo=UTC)
    etree.SubElement(root, f"{{{ATOM_NS}}}updated").text = _iso(updated)
    etree.SubElement(root, f"{{{ATOM_NS}}}link", rel="self", type="application/atom+xml", href=self_url)
    etree.SubElement(root, f"{{{ATOM_NS}}}link", rel="alternate", type="text/html", href=request.host_url)
    author = etree.SubElement(root, f"{{{ATOM_NS}}}author")
    etree.SubElement(author, f"{{{ATOM_NS}}}name").text = current_app.config.get("TRANSDESK_SITE_NAME") or SITE_NAME
    etree.SubElement(root, f"{{{ATOM_NS}}}generator").text = "Transdesk"
    for article, version in entries:
        snapshot = version.snapshot
        if snapshot is None:
            continue
        parts = publishing.snapshot_parts(snapshot)
        url = _article_url(code, article.slug)
        entry = etree.SubElement(root, f"{{{ATOM_NS}}}entry")
        etree.SubElement(entry, f"{{{ATOM_NS}}}id").text = url
        etree.SubElement(entry, f"{{{ATOM_NS}}}title").text = _plain(snapshot.title)
        etree.SubElement(entry, f"{{{ATOM_NS}}}link", rel="alternate", type="text/html", hreflang=code, href=url)
        etree.SubElement(entry, f"{{{ATOM_NS}}}updated").text = _iso(version.published_at or snapshot.created_at)
        if parts.get("date_iso"):
            etree.SubElement(entry, f"{{{ATOM_NS}}}published").text = _iso(datetime.fromisoformat(parts["date_iso"]))
        for name in parts.get("authors_html") or []:
            etree.SubElement(etree.SubElement(entry, f"{{{ATOM_NS}}}author"), f"{{{ATOM_NS}}}name").text = _plain(name)
        summary = _plain(parts.get("dek_html"))
        if summary:
            etree.SubElement(entry, f"{{{ATOM_NS}}}summary").text = summary
        content = etree.SubElement(entry, f"{{{ATOM_NS}}}content", type="html")
        content.text = snapshot.body_html
    return _xml(root, "application/atom+xml", updated)
