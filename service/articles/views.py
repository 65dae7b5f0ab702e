"""Editors' pages: the dashboard, one article with its languages, import and publish controls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField

from service import languages
from service.accounts import rights
from service.articles import ingest, services
from service.errors import TransdeskError
from service.extensions import db
from service.publishing import services as publishing
from service.review import collab
from service.translation import pipeline

bp = Blueprint("articles", __name__)


class ImportForm(FlaskForm):
    file = FileField("File")
    url = StringField("URL")
    text = TextAreaField("Text")
    slug = StringField("Slug")
    languages = StringField("Languages", default="ru")
    priority = StringField("Priority", default="normal")  # checked by services.validate_request


class PublishForm(FlaskForm):
    force = BooleanField("Force")
    reason = StringField("Reason")


class AssignForm(FlaskForm):
    pass  # the people are a multi-select read from request.form


class LanguageForm(FlaskForm):
    lang = StringField("Language")


@bp.route("/")
@login_required
def dashboard() -> ResponseReturnValue:
    articles = services.list_articles()
    progress = {a.id: services.status(a) for a in articles}
    work = collab.my_work(current_user)
    work_progress = {(w.article.id, w.lang): services.status(w.article)["languages"].get(w.lang) for w in work}
    return render_template("articles/dashboard.html", articles=articles, progress=progress,
                           import_form=ImportForm(), can_import=rights.can_import(current_user),
                           my_work=work, work_progress=work_progress)


@bp.route("/articles/import", methods=["POST"])
@login_required
def import_article() -> ResponseReturnValue:
    if not rights.can_import(current_user):
        abort(403)
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("articles.dashboard"))
    req = services.ImportRequest(slug=(form.slug.data or "").strip() or None, languages=form.languages.data or "",
                                 priority=form.priority.data or "normal", user_id=current_user.id)
    try:
        upload = form.file.data
        if upload and upload.filename:
            parsed = ingest.parse_source(upload.read(), filename=upload.filename, content_type=upload.mimetype,
                                         max_bytes=int(current_app.config["TRANSDESK_MAX_IMPORT_BYTES"]))
            req.source_name = upload.filename
        elif (form.url.data or "").strip():
            parsed, req.source_name = services.read_and_parse(form.url.data.strip())
        elif (form.text.data or "").strip():
            parsed = services.parse_payload("text", form.text.data)
        else:
            flash(_("Choose a file, a URL or paste text to import."), "error")
            return redirect(url_for("articles.dashboard"))
        services.validate_request(req)
        article = services.create_article(parsed, req)
    except TransdeskError as exc:
        flash(_("Import failed: %(message)s", message=exc.message), "error")
        return redirect(url_for("articles.dashboard"))
    flash(_("Imported “%(title)s” with %(count)d segments.", title=article.title, count=len(article.segments)))
    return redirect(url_for("articles.detail", article_id=article.id))


@bp.route("/articles/<int:article_id>")
@login_required
def detail(article_id: int) -> ResponseReturnValue:
    article = services.get_article(article_id)
    status = services.status(article)
    gates = {lang: publishing.gate(article, lang) for lang in status["languages"]}
    published = {v.lang for v in publishing.published_versions(article)}
    return render_template(
        "articles/detail.html", article=article, status=status, gates=gates, published=published,
        publish_form=PublishForm(), language_form=LanguageForm(), native_name=languages.native_name,
        can_publish=lambda lang: rights.can_publish(current_user, lang),
        can_edit=lambda lang: rights.can_edit(current_user, lang),
        can_import=rights.can_import(current_user),
        assigned=collab.assignments(article.id), assignable=collab.assignable, assign_form=AssignForm(),
    )


@bp.route("/articles/<int:article_id>/languages", methods=["POST"])
@login_required
def add_language(article_id: int) -> ResponseReturnValue:
    article = services.get_article(article_id)
    form = LanguageForm()
    if not rights.can_import(current_user):
        abort(403)
    if form.validate_on_submit():
        try:
            langs = languages.validate_list(form.lang.data or "")
            pipeline.request_languages(article, langs, priority=article.priority, user_id=current_user.id)
            db.session.commit()
            flash(_("Queued %(langs)s for translation.", langs=", ".join(langs)))
        except TransdeskError as exc:
            flash(exc.message, "error")
    return redirect(url_for("articles.detail", article_id=article.id))


def _language_action(article_id: int, lang: str, form: FlaskForm, action: Callable[[Any], object],
                     done: str) -> ResponseReturnValue:
    """An editor's POST on one language of an article: rights, CSRF, the action, one message, back."""
    article = services.get_article(article_id)
    if not rights.can_publish(current_user, lang):
        abort(403)
    if form.validate_on_submit():
        try:
            action(article)
            flash(done)
        except TransdeskError as exc:
            flash(exc.message, "error")
    return redirect(url_for("articles.detail", article_id=article.id) + f"#lang-{lang}")


@bp.route("/articles/<int:article_id>/languages/<lang>/publish", methods=["POST"])
@login_required
def publish(article_id: int, lang: str) -> ResponseReturnValue:
    form = PublishForm()
    return _language_action(
        article_id, lang, form,
        lambda article: publishing.publish(article, lang, user_id=current_user.id, force=bool(form.force.data),
                                           reason=form.reason.data),
        _("Published the %(lang)s version.", lang=languages.native_name(lang)))


@bp.route("/articles/<int:article_id>/languages/<lang>/unpublish", methods=["POST"])
@login_required
def unpublish(article_id: int, lang: str) -> ResponseReturnValue:
    return _language_action(  # PublishForm: only its CSRF token is used
        article_id, lang, PublishForm(),
        lambda article: publishing.unpublish(article, lang, user_id=current_user.id),
        _("Unpublished the %(lang)s version.", lang=languages.native_name(lang)))


@bp.route("/articles/<int:article_id>/languages/<lang>/assign", methods=["POST"])
@login_required
def assign(article_id: int, lang: str) -> ResponseReturnValue:
    people = [int(v) for v in request.form.getlist("people") if v.isdigit()]
    return _language_action(
        article_id, lang, AssignForm(),
        lambda article: collab.assign(article, lang, people, current_user),
        _("Assignments for %(lang)s saved.", lang=languages.native_name(lang)))
