"""Editor side panels loaded on demand (TM matches, comments) and presence; thin views over collab/memory."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from service.accounts import rights
from service.articles import services as articles
from service.articles.models import Article
from service.errors import TransdeskError
from service.review import collab, queries, services
from service.translation import memory

bp = Blueprint("collab", __name__)


class CommentForm(FlaskForm):
    body = TextAreaField("Comment")


def _article_for(article_id: int, lang: str) -> Article:
    if not rights.can_edit(current_user, lang):
        abort(403)
    return articles.get_article(article_id)


def _htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.route("/review/<int:article_id>/<lang>/presence")
@login_required
def presence(article_id: int, lang: str) -> ResponseReturnValue:
    """Polled by the open editor: refreshes this person's presence and lists who else is here."""
    article = _article_for(article_id, lang)
    collab.touch(article.id, lang, current_user)
    return render_template("review/_presence.html", others=collab.others_present(article.id, lang, current_user),
                           article=article, lang=lang)


@bp.route("/review/<int:article_id>/<lang>/segments/<int:segment_id>/tm")
@login_required
def tm_matches(article_id: int, lang: str, segment_id: int) -> ResponseReturnValue:
    article = _article_for(article_id, lang)
    row = services.get_translation(article.id, lang, segment_id)
    segment = row.segment
    before, after = queries.neighbour_sources(segment)
    matches = memory.lookup(segment.source, article.source_lang, lang, limit=3, context=(before, after))
    # Each match with a word diff of its source against this segment's (exact matches have none to show).
    shown = [(match, [] if match.exact else queries.word_diff(match.source, segment.source)) for match in matches]
    return render_template("review/_tm.html", matches=shown, segment=segment, lang=lang, full_page=not _htmx(),
                           article=article)


@bp.route("/review/<int:article_id>/<lang>/segments/<int:segment_id>/comments", methods=["GET", "POST"])
@login_required
def comments(article_id: int, lang: str, segment_id: int) -> ResponseReturnValue:
    article = _article_for(article_id, lang)
    row = services.get_translation(article.id, lang, segment_id)
    form = CommentForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            collab.add_comment(segment_id, lang, current_user, form.body.data or "")
        except TransdeskError as exc:
            error = exc.message
        if not _htmx() and error is None:
            return redirect(url_for("review.editor", article_id=article.id, lang=lang) + f"#seg-{segment_id}")
        if not _htmx():
            flash(error or "", "error")
            return redirect(url_for("review.editor", article_id=article.id, lang=lang) + f"#seg-{segment_id}")
    return render_template("review/_comments.html", comments=collab.comments(segment_id, lang), form=CommentForm(),
                           segment=row.segment, article=article, lang=lang, error=error,
                           full_page=not _htmx()), (422 if error else 200)
