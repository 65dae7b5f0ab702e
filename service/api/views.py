"""JSON API (``/api/v1``): token or session auth, errors as ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from service.accounts import rights
from service.accounts import services as accounts
from service.api.openapi import document
from service.articles import ingest
from service.articles import services as articles
from service.errors import Forbidden, InvalidInput, TransdeskError
from service.extensions import db
from service.publishing import services as publishing
from service.review import services as review
from service.translation.states import State

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, code: str, message: str, **extra: Any) -> ResponseReturnValue:
    return jsonify(error={"code": code, "message": message, **extra}), status


def authenticated(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """A bearer token, or the browser session plus its CSRF token on writes."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            user = accounts.user_for_token(header[7:].strip())
            if user is None:
                return _error(401, "unauthorized", "invalid API token")
            g.api_user = user
        elif current_user.is_authenticated:
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                try:
                    validate_csrf(request.headers.get("X-CSRFToken"))
                except (ValidationError, CSRFError):
                    return _error(400, "csrf", "session requests must send the X-CSRFToken header")
            g.api_user = current_user._get_current_object()
        else:
            return _error(401, "unauthorized", "log in or send 'Authorization: Bearer <token>'")
        return view(*args, **kwargs)

    return wrapper


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("send a JSON object with Content-Type: application/json")
    return body


@bp.errorhandler(TransdeskError)
def _transdesk_error(exc: TransdeskError) -> ResponseReturnValue:
    db.session.rollback()
    if isinstance(exc, review.VersionConflict):
        return jsonify(error=exc.payload()), 409
    return _error(exc.status, exc.code, exc.message)


@bp.route("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document())


def _import_input(user: Any) -> tuple[ingest.ParsedArticle, articles.ImportRequest, bool]:
    """The source to import (a multipart ``file`` or JSON with one of html, url, markdown, text), the request,
    and whether it asks to update the article it matches (``update``)."""
    if not rights.can_import(user):
        raise Forbidden("only editors and admins can import articles")
    if request.files.get("file"):
        upload = request.files["file"]
        fields: dict[str, Any] = request.form.to_dict()
        langs = fields.get("languages") or ""
        req = articles.ImportRequest(slug=fields.get("slug") or None, source_lang=fields.get("source_lang") or None,
                                     languages=langs, priority=fields.get("priority") or "normal",
                                     user_id=user.id, source_name=upload.filename)
        articles.validate_request(req)
        parsed = ingest.parse_source(upload.read(), filename=upload.filename, content_type=upload.mimetype,
                                     max_bytes=int(current_app.config["TRANSDESK_MAX_IMPORT_BYTES"]))
        return parsed, req, (fields.get("update") or "").lower() in ("1", "true", "on", "yes")
    body = _json_body()
    kinds = [k for k in ("html", "url", "markdown", "text") if body.get(k)]
    if len(kinds) != 1:
        raise InvalidInput("give exactly one of html, url, markdown or text")
    langs = body.get("languages") or []
    if not isinstance(langs, (list, str)):
        raise InvalidInput("languages must be a list of language codes")
    if not isinstance(body.get("update", False), bool):
        raise InvalidInput("update must be true or false")
    req = articles.ImportRequest(slug=body.get("slug") or None, source_lang=body.get("source_lang") or None,
                                 languages=langs, priority=body.get("priority") or "normal", user_id=user.id)
    articles.validate_request(req)
    kind = kinds[0]
    if not isinstance(body[kind], str):
        raise InvalidInput(f"{kind} must be a string")
    if kind == "url":
        parsed, req.source_name = articles.read_and_parse(body["url"])
    else:
        parsed = articles.parse_payload(kind, body[kind])
    return parsed, req, bool(body.get("update", False))


def _import_json(result: articles.ImportResult) -> dict[str, Any]:
    payload = articles.status(result.article)
    return {**result.as_json(), "segments": len(result.article.segments), "languages": sorted(payload["languages"]),
            "status": payload}


@bp.route("/articles", methods=["POST"])
@authenticated
def create_article() -> ResponseReturnValue:
    parsed, req, update = _import_input(g.api_user)
    if update:  # re-import when the slug or canonical URL matches an article, else a new one
        result = articles.import_or_update(parsed, req)
    else:
        result = articles.ImportResult(articles.create_article(parsed, req), created=True)
        result.added = len(result.article.segments)
    return jsonify(_import_json(result)), 201 if result.created else 200


@bp.route("/articles/<int:article_id>", methods=["PUT"])
@authenticated
def update_article(article_id: int) -> ResponseReturnValue:
    """Re-import this article's source: unchanged segments keep their translations."""
    parsed, req, _update = _import_input(g.api_user)
    result = articles.update_article(articles.get_article(article_id), parsed, req)
    return jsonify(_import_json(result))


@bp.route("/articles/<int:article_id>")
@authenticated
def get_article(article_id: int) -> ResponseReturnValue:
    return jsonify(articles.status(articles.get_article(article_id)))


def _segment_json(segment: Any, translation: Any) -> dict[str, Any]:
    return {"id": segment.id, "position": segment.position, "kind": segment.kind, "source": segment.source,
            "tags": sorted(segment.tags), "source_hash": segment.source_hash,
            "translation": {"text": translation.text, "state": translation.state, "version": translation.version,
                            "origin": translation.origin, "engine": translation.engine, "reason": translation.reason,
                            "pseudo": translation.is_pseudo}}


@bp.route("/articles/<int:article_id>/languages/<lang>/segments")
@authenticated
def list_segments(article_id: int, lang: str) -> ResponseReturnValue:
    if not rights.can_edit(g.api_user, lang):
        raise Forbidden(f"you have no rights for {lang!r}")
    article = articles.get_article(article_id)
    rows = review.segments_for_review(article.id, lang)
    return jsonify(article_id=article.id, lang=lang, segments=[_segment_json(s, t) for s, t in rows])


@bp.route("/articles/<int:article_id>/languages/<lang>/segments/<int:segment_id>", methods=["PUT"])
@authenticated
def put_segment(article_id: int, lang: str, segment_id: int) -> ResponseReturnValue:
    body = _json_body()
    article = articles.get_article(article_id)
    row = review.get_translation(article.id, lang, segment_id)
    version = body.get("version")
    if not isinstance(version, int):
        raise InvalidInput("version (the integer version your change is based on) is required")
    state = body.get("state") or State.TRANSLATED.value
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise InvalidInput("text must be a string")
    if state == State.TRANSLATED.value:
        review.save(row, g.api_user, text=text or "", base_version=version)
    elif state == State.APPROVED.value:
        review.approve(row, g.api_user, base_version=version, text=text)
    elif state == State.NEEDS_WORK.value:
        review.send_back(row, g.api_user, base_version=version, note=str(body.get("note") or ""))
    else:
        raise InvalidInput("state must be translated, approved or needs_work")
    return jsonify(_segment_json(row.segment, row))


@bp.route("/articles/<int:article_id>/languages/<lang>/publish", methods=["POST"])
@authenticated
def publish(article_id: int, lang: str) -> ResponseReturnValue:
    if not rights.can_publish(g.api_user, lang):
        raise Forbidden(f"you have no rights to publish {lang!r}")
    body = request.get_json(silent=True) or {}
    article = articles.get_article(article_id)
    snapshot = publishing.publish(article, lang, user_id=g.api_user.id, force=bool(body.get("force")),
                                  reason=body.get("reason"))
    return jsonify(article_id=article.id, lang=lang, snapshot_id=snapshot.id, forced=snapshot.forced,
                   url=f"/{lang}/{article.slug}"), 201
