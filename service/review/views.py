"""The side-by-side segment editor: thin views over ``service.review.services``."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, TextAreaField

from service import languages
from service.accounts import rights
from service.articles import services as articles
from service.articles.models import Article
from service.errors import InvalidInput, TransdeskError
from service.review import services
from service.translation.states import ALL_STATES

bp = Blueprint("review", __name__)

PLACEHOLDER = re.compile(r"\{(/?)(\d+)(/?)\}")


@bp.app_template_filter("tagchips")
def tagchips(text: str | None) -> Markup:
    """Source text with its placeholders shown as tag chips (the text itself stays escaped)."""

    def chip(match: re.Match[str]) -> str:
        closing, number, void = match.groups()
        kind = "close" if closing else ("void" if void else "open")
        return f'<span class="tag tag-{kind}" title="{match.group(0)}">{closing}{number}{void}</span>'

    return Markup(PLACEHOLDER.sub(chip, str(escape(text or ""))))


class SegmentForm(FlaskForm):
    text = TextAreaField("Translation")
    version = HiddenField()
    action = HiddenField()
    note = TextAreaField("Note")


def _render(article: Article, lang: str, *, conflict: dict[str, Any] | None = None,
            status: int = 200) -> ResponseReturnValue:
    rows = services.segments_for_review(article.id, lang)
    counts = articles.state_counts(article.id).get(lang, dict.fromkeys(ALL_STATES, 0))
    state_filter = request.args.get("state") or ""
    if state_filter:
        rows = [(s, t) for s, t in rows if t.state == state_filter]
    return render_template(
        "review/editor.html", article=article, lang=lang, lang_name=languages.native_name(lang),
        lang_dir=languages.direction(lang), rows=rows, counts=counts, total=sum(counts.values()),
        states=ALL_STATES, state_filter=state_filter, form=SegmentForm(), conflict=conflict,
        can_review=rights.can_review(current_user, lang),
    ), status


@bp.route("/review/<int:article_id>/<lang>")
@login_required
def editor(article_id: int, lang: str) -> ResponseReturnValue:
    if not rights.can_edit(current_user, lang):
        abort(403)
    article = articles.get_article(article_id)
    return _render(article, lang)


@bp.route("/review/<int:article_id>/<lang>/segments/<int:segment_id>", methods=["POST"])
@login_required
def act(article_id: int, lang: str, segment_id: int) -> ResponseReturnValue:
    if not rights.can_edit(current_user, lang):
        abort(403)
    article = articles.get_article(article_id)
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
    try:
        if action == "save":
            services.save(row, current_user, text=text, base_version=base)
            flash(_("Saved segment %(n)d.", n=row.segment.position + 1))
        elif action == "approve":
            # A reviewer may correct the text in the same step; an empty box approves what is stored.
            services.approve(row, current_user, base_version=base, text=text if text.strip() else None)
            flash(_("Approved segment %(n)d.", n=row.segment.position + 1))
        elif action == "send_back":
            services.send_back(row, current_user, base_version=base, note=form.note.data or "")
            flash(_("Sent segment %(n)d back.", n=row.segment.position + 1))
        else:
            raise InvalidInput(f"unknown action {action!r}")
    except services.VersionConflict as exc:
        conflict = {"segment_id": segment_id, "theirs": exc.current_text, "yours": text,
                    "version": exc.current_version, "state": exc.current_state}
        return _render(article, lang, conflict=conflict, status=409)
    except TransdeskError as exc:
        flash(_("Segment %(n)d: %(message)s", n=row.segment.position + 1, message=exc.message), "error")
    target = url_for("review.editor", article_id=article.id, lang=lang, state=request.args.get("state") or None)
    return redirect(f"{target}#seg-{segment_id}")
