"""The side-by-side segment editor: thin views over ``service.review.services`` and ``queries``.

Every form works as a plain POST + redirect; with htmx loaded (``HX-Request``) the same endpoints answer with
the one segment's partial instead (a conflict keeps its 409 status: the page tells htmx to swap it anyway).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, has_request_context, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, TextAreaField

from service import languages
from service.accounts import rights
from service.articles import inline
from service.articles import services as articles
from service.articles.models import Article
from service.errors import InvalidInput, TransdeskError
from service.glossary import services as glossary
from service.review import fragments, panel, queries, services
from service.timing import add_server_timing
from service.translation import links
from service.translation.models import Translation
from service.translation.states import ALL_STATES

bp = Blueprint("review", __name__)

# The grammar of ``service.articles.inline``: "{{" and "}}" are escaped literal braces, the rest placeholders.
TOKEN = re.compile(r"\{\{|\}\}|\{(/?)(\d+)(/?)\}")
ERROR_KEY = "review_segment_error"


add_server_timing(bp)  # for bench/ui.py


@bp.app_template_filter("tagchips")
def tagchips(text: str | None) -> Markup:
    """Source text with its placeholders shown as tag chips (the text itself stays escaped)."""
    labels = _labels() if has_request_context() else CHIP_LABELS  # outside a request (tests, tools): English

    def chip(match: re.Match[str]) -> str:
        if match.group(2) is None:  # "{{" or "}}": one literal brace
            return match.group(0)[0]
        closing, number, void = match.groups()
        kind = "close" if closing else ("void" if void else "open")
        # role=img + a spoken name: a screen reader says "start of tag 1", not "1" (labels cached per locale).
        label = escape(labels[f"chip_{kind}"] % {"n": number})
        return (f'<span class="tag tag-{kind}" title="{match.group(0)}" role="img" aria-label="{label}">'
                f'{closing}{number}{void}</span>')

    return Markup(TOKEN.sub(chip, str(escape(text or ""))))


class SegmentForm(FlaskForm):
    text = TextAreaField("Translation")
    version = HiddenField()
    action = HiddenField()
    note = TextAreaField("Note")


class BlockForm(FlaskForm):
    note = TextAreaField()


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _article_for(article_id: int, lang: str) -> Article:
    if not rights.can_edit(current_user, lang):
        abort(403)
    return articles.get_article(article_id)


_LABELS: dict[str, dict[str, str]] = {}  # UI locale -> the strings below (catalogs do not change while running)


def _labels() -> dict[str, str]:
    """The segment partial's strings, translated once per locale: one gettext per segment and string was a third of
    the editor's server time on a 300-segment article (``bench/ui.py``). Those with ``%(n)d`` go through
    ``|format`` in the template."""
    locale = str(get_locale())
    if locale not in _LABELS:
        _LABELS[locale] = _translate_labels()
    return _LABELS[locale]


def _translate_labels() -> dict[str, str]:
    return {
        "history": _("History"), "of_segment": _("of segment %(n)d"),
        "translation_of": _("Translation of segment %(n)d"), "suggestions_for": _("Suggestions for segment %(n)d"),
        "pseudo": _("PSEUDO – not a translation"),
        "pseudo_title": _("Pseudo-localization shows layout problems; it is not a translation."),
        "human": _("human"), "missing": _("Missing tags (needed for approval):"),
        "save": _("Save as translated"), "approve": _("Approve"), "send_back": _("Send back"),
        "mt": _("Machine draft"), "engine": _("Engine: %(engine)s"), "not_recorded": _("not recorded"),
        "no_mt": _("No machine draft."), "mt_unchanged": _("The translation is this draft, unchanged."),
        "links": _("Links in this language"), "link_target": _("Target of link %(n)s in this language"),
        "links_hint": _("Empty keeps the source's target. An http(s) URL or a path on this site."),
        "save_links": _("Save links"),
        "chip_open": _("start of tag %(n)s"), "chip_close": _("end of tag %(n)s"), "chip_void": _("tag %(n)s"),
    }


CHIP_LABELS = {"chip_open": "start of tag %(n)s", "chip_close": "end of tag %(n)s", "chip_void": "tag %(n)s"}


def _common(article: Article, lang: str, filters: queries.Filters) -> dict[str, Any]:
    return {"article": article, "lang": lang, "lang_dir": languages.direction(lang), "filters": filters,
            "can_review": rights.can_review(current_user, lang), "form": SegmentForm(),
            "placeholders": inline.placeholders, "missing_tags": services.missing_tags, "labels": _labels(),
            "urls": panel.SegmentUrls(article.id, lang, filters.args()), "panel_sections": panel.sections(),
            "glossary_stamp": glossary.stamp(article.source_lang, lang), "link_slots": links.link_slots}


def _segment_partial(article: Article, lang: str, row: Translation, *, message: str = "", error: bool = False,
                     text: str | None = None, conflict: dict[str, Any] | None = None,
                     status: int = 200) -> ResponseReturnValue:
    html = render_template("review/_segment.html", segment=row.segment, tr=row, message=message, error=error,
                           typed=text, seg_conflict=conflict,
                           engines=queries.mt_engines(article.id, lang, row.segment_id),
                           **_common(article, lang, queries.Filters.parse(request.args)))
    return html, status, {"HX-Trigger": "segment-changed"}


def _render(article: Article, lang: str, *, conflict: dict[str, Any] | None = None,
            status: int = 200) -> ResponseReturnValue:
    filters = queries.Filters.parse(request.args)
    counts = articles.state_counts(article.id).get(lang, dict.fromkeys(ALL_STATES, 0))
    common, engines = _common(article, lang, filters), queries.mt_engines(article.id, lang)
    page = render_template(
        "review/editor.html", lang_name=languages.native_name(lang), blocks=queries.blocks_for_review(
            article.id, lang, filters), counts=counts, total=sum(counts.values()), states=ALL_STATES,
        origins=queries.ORIGINS, progress=queries.progress(article.id, lang, counts), conflict=conflict,
        segment_error=session.pop(ERROR_KEY, None), engines=engines, block_form=BlockForm(),
        segment_html=fragments.segment_renderer(common, engines), **common,
    )
    return fragments.with_csrf(page), status


def _editor_url(article: Article, lang: str, anchor: str) -> str:
    args: dict[str, Any] = queries.Filters.parse(request.args).args()
    return url_for("review.editor", article_id=article.id, lang=lang, **args) + anchor


@bp.route("/review/<int:article_id>/<lang>")
@login_required
def editor(article_id: int, lang: str) -> ResponseReturnValue:
    return _render(_article_for(article_id, lang), lang)


@bp.route("/review/<int:article_id>/<lang>/progress")
@login_required
def progress(article_id: int, lang: str) -> ResponseReturnValue:
    article = _article_for(article_id, lang)
    data = queries.progress(article.id, lang)
    html = render_template("review/_progress.html", article=article, lang=lang, progress=data)
    # The poll that sees the queue empty tells the page, which then reloads the segments still shown as queued.
    finished = request.args.get("polling") and not data["queued"]
    return html, 200, {"HX-Trigger": "drafts-finished"} if finished else {}


@bp.route("/review/<int:article_id>/<lang>/segments/<int:segment_id>", methods=["GET"])
@login_required
def segment(article_id: int, lang: str, segment_id: int) -> ResponseReturnValue:
    article = _article_for(article_id, lang)
    row = services.get_translation(article.id, lang, segment_id)
    if not is_htmx():
        return redirect(_editor_url(article, lang, f"#seg-{segment_id}"))
    return _segment_partial(article, lang, row)


@bp.route("/review/<int:article_id>/<lang>/segments/<int:segment_id>/history")
@login_required
def history(article_id: int, lang: str, segment_id: int) -> ResponseReturnValue:
    article = _article_for(article_id, lang)
    row = services.get_translation(article.id, lang, segment_id)
    template = "review/_history.html" if is_htmx() else "review/history.html"
    return render_template(template, article=article, lang=lang, segment=row.segment,
                           entries=queries.history_entries(segment_id, lang))


@bp.route("/review/<int:article_id>/<lang>/segments/<int:segment_id>", methods=["POST"])
@login_required
def act(article_id: int, lang: str, segment_id: int) -> ResponseReturnValue:
    article = _article_for(article_id, lang)
    form = SegmentForm()
    if not form.validate_on_submit():
        abort(400)
    row = services.get_translation(article.id, lang, segment_id)
    action = form.action.data or "save"
    text = (form.text.data or "").replace("\r\n", "\n")
    try:
        base = int(form.version.data or "")
    except ValueError:
        abort(400)
    n = row.segment.position + 1
    try:
        if action == "save":
            services.save(row, current_user, text=text, base_version=base)
            done = _("Saved segment %(n)d.", n=n)
        elif action == "approve":
            # A reviewer may correct the text in the same step; an empty box approves what is stored.
            services.approve(row, current_user, base_version=base, text=text if text.strip() else None)
            done = _("Approved segment %(n)d.", n=n)
        elif action == "send_back":
            services.send_back(row, current_user, base_version=base, note=form.note.data or "")
            done = _("Sent segment %(n)d back.", n=n)
        elif action == "links":
            targets = {key.removeprefix("link-"): value for key, value in request.form.items()
                       if key.startswith("link-")}
            services.set_link_targets(row, current_user, targets=targets, base_version=base)
            done = _("Saved the links of segment %(n)d.", n=n)
        else:
            raise InvalidInput(f"unknown action {action!r}")
    except services.VersionConflict as exc:
        conflict = {"segment_id": segment_id, "theirs": exc.current_text, "yours": text,
                    "version": exc.current_version, "state": exc.current_state}
        if is_htmx():
            current = services.get_translation(article.id, lang, segment_id)
            return _segment_partial(article, lang, current, conflict=conflict, status=409)
        return _render(article, lang, conflict=conflict, status=409)
    except TransdeskError as exc:
        message = _("Segment %(n)d: %(message)s", n=n, message=exc.message)
        if is_htmx():
            return _segment_partial(article, lang, row, message=message, error=True, text=text)
        flash(message, "error")
        session[ERROR_KEY] = {"segment_id": segment_id, "message": message}
        return redirect(_editor_url(article, lang, f"#seg-{segment_id}"))
    if is_htmx():
        return _segment_partial(article, lang, row, message=done)
    flash(done)
    return redirect(_editor_url(article, lang, f"#seg-{segment_id}"))


@bp.route("/review/<int:article_id>/<lang>/blocks/<int:block_id>/approve", methods=["POST"])
@login_required
def approve_block(article_id: int, lang: str, block_id: int) -> ResponseReturnValue:
    return _block_action(article_id, lang, block_id, "approve")


@bp.route("/review/<int:article_id>/<lang>/blocks/<int:block_id>/send-back", methods=["POST"])
@login_required
def send_back_block(article_id: int, lang: str, block_id: int) -> ResponseReturnValue:
    return _block_action(article_id, lang, block_id, "send_back")


def _block_action(article_id: int, lang: str, block_id: int, action: str) -> ResponseReturnValue:
    """One reviewer action on every segment of a block; the counts (done, skipped) are flashed."""
    article = _article_for(article_id, lang)
    form = BlockForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if action == "approve":
            done, skipped = services.approve_clean_in_block(article.id, lang, block_id, current_user)
            message = _("Approve clean segments of the block: approved %(approved)d, skipped %(skipped)d.",
                        approved=done, skipped=skipped)
        else:
            done, skipped = services.send_back_block(article.id, lang, block_id, current_user,
                                                     note=form.note.data or "")
            message = _("Send back the block: sent back %(sent)d, skipped %(skipped)d.", sent=done, skipped=skipped)
    except TransdeskError as exc:
        flash(exc.message, "error")
    else:
        flash(message)
    return redirect(_editor_url(article, lang, f"#block-{block_id}"))
