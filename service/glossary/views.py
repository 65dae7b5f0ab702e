"""The glossary page (list, add, delete, export) and the editor's glossary panel; thin views over services.

Everyone who translates reads the glossary of the languages they work on; editors and admins change it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField

from service import languages
from service.accounts import rights
from service.articles import services as articles
from service.errors import InvalidInput, TransdeskError
from service.glossary import io, services
from service.glossary.marks import glossary_marks
from service.review import services as review

bp = Blueprint("glossary", __name__, template_folder="templates")
bp.add_app_template_filter(glossary_marks, "glossary_marks")
bp.add_app_template_global(glossary_marks, "glossary_marks")
# For templates that render many segments (the editor): the matcher is cached, so one call per segment is cheap.
bp.add_app_template_global(services.hits, "glossary_hits")


class TermForm(FlaskForm):
    source_lang = StringField("Source language")
    target_lang = StringField("Target language")
    source = StringField("Source term")
    target = StringField("Target term")
    notes = TextAreaField("Notes")
    forbidden = BooleanField("Forbidden")
    case_sensitive = BooleanField("Case-sensitive")


class DeleteForm(FlaskForm):
    pass


class ImportForm(FlaskForm):
    file = FileField("File")


def can_read(user: Any, target_lang: str) -> bool:
    return rights.can_edit(user, target_lang)


def can_write(user: Any, target_lang: str) -> bool:
    """Editors and admins (within their languages, if they are limited to some)."""
    return rights.can_import(user) and rights.has_language(user, target_lang)


def _pair_from(values: Any) -> tuple[str, str]:
    try:
        return (languages.validate(values.get("source_lang") or "en"),
                languages.validate(values.get("target_lang") or _default_target()))
    except InvalidInput as exc:
        abort(400, exc.message)


def _writable_pair(form: FlaskForm) -> tuple[str, str]:
    """The posted language pair, once the user may change its terms and the form (CSRF) is valid."""
    source_lang, target_lang = _pair_from(request.form)
    if not can_write(current_user, target_lang):
        abort(403)
    if not form.validate_on_submit():
        abort(400)
    return source_lang, target_lang


def _default_target() -> str:
    mine = [lang for lang in current_user.language_list if lang != "en"]
    return mine[0] if mine else "ru"


def _page(source_lang: str, target_lang: str, *, form: TermForm | None = None, error: str | None = None,
          status: int = 200) -> ResponseReturnValue:
    if not can_read(current_user, target_lang):
        abort(403)
    search = request.args.get("q", "")
    form = form or TermForm(source_lang=source_lang, target_lang=target_lang)
    pairs = [p for p in services.pairs() if can_read(current_user, p[1])]
    return render_template("glossary/index.html", terms=services.list_terms(source_lang, target_lang, search),
                           source_lang=source_lang, target_lang=target_lang, pairs=pairs, search=search,
                           form=form, delete_form=DeleteForm(), import_form=ImportForm(),
                           can_write=can_write(current_user, target_lang),
                           error=error), status


@bp.route("/glossary")
@login_required
def index() -> ResponseReturnValue:
    return _page(*_pair_from(request.args))


@bp.route("/glossary/terms", methods=["POST"])
@login_required
def add() -> ResponseReturnValue:
    form = TermForm()
    source_lang, target_lang = _writable_pair(form)
    try:
        term = services.add_term(source_lang, target_lang, services.TermInput(
            form.source.data or "", form.target.data or "", form.notes.data or "", bool(form.forbidden.data),
            bool(form.case_sensitive.data)), user_id=current_user.id)
    except TransdeskError as exc:
        return _page(source_lang, target_lang, form=form, error=exc.message, status=exc.status)
    flash(_("Added %(source)s → %(target)s.", source=term.source, target=term.target))
    return redirect(url_for("glossary.index", source_lang=source_lang, target_lang=target_lang), 303)


@bp.route("/glossary/import", methods=["POST"])
@login_required
def upload() -> ResponseReturnValue:
    """A CSV (for the page's language pair, unless it has language columns) or TBX file; all or nothing."""
    form = ImportForm()
    source_lang, target_lang = _writable_pair(form)
    sent = form.file.data
    try:
        if not sent or not sent.filename:
            raise InvalidInput(_("Choose a CSV or TBX file to import."))
        rows = io.read_bytes(sent.read(), sent.filename, source_lang, target_lang)
        # The page edits one pair: a file for other pairs is refused rather than imported where no one looks.
        others = sorted({f"{r.source_lang}→{r.target_lang}" for r in rows} - {f"{source_lang}→{target_lang}"})
        if others:
            raise InvalidInput(_("The file has terms for other language pairs (%(pairs)s); import it with the "
                                 "command line or open that pair.", pairs=", ".join(others)))
        counts = io.apply(rows, user_id=current_user.id)
    except TransdeskError as exc:
        return _page(source_lang, target_lang, error=exc.message, status=exc.status)
    flash(_("Imported %(terms)d terms: %(added)d added, %(updated)d updated.", **counts))
    return redirect(url_for("glossary.index", source_lang=source_lang, target_lang=target_lang), 303)


@bp.route("/glossary/terms/<int:term_id>/delete", methods=["POST"])
@login_required
def delete(term_id: int) -> ResponseReturnValue:
    term = services.get_term(term_id)
    pair = (term.source_lang, term.target_lang)
    if not can_write(current_user, term.target_lang):
        abort(403)
    if not DeleteForm().validate_on_submit():
        abort(400)
    services.delete_term(term_id)
    flash(_("Deleted %(source)s → %(target)s.", source=term.source, target=term.target))
    return redirect(url_for("glossary.index", source_lang=pair[0], target_lang=pair[1]), 303)


@bp.route("/glossary/export")
@login_required
def export() -> ResponseReturnValue:
    source_lang, target_lang = _pair_from(request.args)
    if not can_read(current_user, target_lang):
        abort(403)
    terms = services.list_terms(source_lang, target_lang)
    name = f"glossary-{source_lang}-{target_lang}"
    if request.args.get("format") == "tbx":
        return Response(io.export_tbx(terms), mimetype="application/x-tbx",
                        headers={"Content-Disposition": f'attachment; filename="{name}.tbx"'})
    return Response(io.export_csv(terms), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@bp.route("/review/<int:article_id>/<lang>/segments/<int:segment_id>/glossary")
@login_required
def segment_hits(article_id: int, lang: str, segment_id: int) -> ResponseReturnValue:
    """The editor's glossary panel for one segment (an htmx fragment; a page without htmx)."""
    if not rights.can_edit(current_user, lang):
        abort(403)
    article = articles.get_article(article_id)
    segment = review.get_translation(article.id, lang, segment_id).segment
    return render_template("glossary/_hits.html", hits=services.hits(segment.source, article.source_lang, lang),
                           segment=segment, article=article, lang=lang,
                           full_page=request.headers.get("HX-Request") != "true")
