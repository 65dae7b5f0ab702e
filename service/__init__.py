"""Transdesk: translation workflow for newsrooms. ``create_app`` is the only way to get the app."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from kombu import Exchange, Queue
from werkzeug.exceptions import HTTPException

from service import config as cfg
from service.errors import TransdeskError
from service.extensions import babel, celery_init_app, csrf, db, login_manager, migrate
from service.jobs import QUEUES


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(cfg.instance_dir()))
    values = cfg.from_environment()
    if test_config:
        unknown = set(test_config) - set(cfg.DEFAULTS) - cfg.FLASK_KEYS
        if unknown:
            logging.getLogger(__name__).warning("unknown configuration keys ignored: %s", sorted(unknown))
        values.update({k: v for k, v in test_config.items() if k in cfg.DEFAULTS})
    app.config.update({f"TRANSDESK_{key}": value for key, value in values.items()})
    app.config.update({k: v for k, v in (test_config or {}).items() if k in cfg.FLASK_KEYS})

    cfg.instance_dir().mkdir(parents=True, exist_ok=True)
    broker = cfg.broker_url(values["BROKER_URL"])
    app.config.update(
        SECRET_KEY=cfg.secret_key(values["SECRET_KEY"]),
        SQLALCHEMY_DATABASE_URI=cfg.database_url(values["DATABASE_URL"]),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        MAX_CONTENT_LENGTH=values["MAX_IMPORT_BYTES"] + 64 * 1024,  # room for the form fields around a file
        BABEL_TRANSLATION_DIRECTORIES=str(cfg.PROJECT_ROOT / "locales"),
        BABEL_DEFAULT_LOCALE="en",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        CELERY=celery_config(broker, values),
    )
    app.config.update({k: v for k, v in (test_config or {}).items() if k in cfg.FLASK_KEYS})

    db.init_app(app)
    migrate.init_app(app, db, directory=str(cfg.PROJECT_ROOT / "service" / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["ui_language_choices"] = ui_language_choices
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    celery_init_app(app)

    from service import models  # noqa: F401  (registers every table)
    from service.accounts.views import bp as accounts_bp
    from service.api.views import bp as api_bp
    from service.articles.views import bp as articles_bp
    from service.glossary.views import bp as glossary_bp
    from service.public.views import bp as public_bp
    from service.review.collab_views import bp as collab_bp
    from service.review.views import bp as review_bp

    csrf.exempt(api_bp)  # the API checks CSRF itself for cookie sessions; tokens need none
    for blueprint in (accounts_bp, articles_bp, review_bp, collab_bp, glossary_bp, api_bp, public_bp):
        app.register_blueprint(blueprint)

    from service.cli import register_commands

    register_commands(app)
    register_error_handlers(app)
    return app


def celery_config(broker: str, values: dict[str, Any]) -> dict[str, Any]:
    exchange = Exchange("transdesk", type="direct")
    return {
        "broker_url": broker,
        "broker_transport_options": cfg.broker_transport_options(
            broker, values["BROKER_KEY_PREFIX"], values["BROKER_VISIBILITY_TIMEOUT"]),
        "broker_connection_retry_on_startup": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": "normal",
        "task_default_exchange": "transdesk",
        "task_default_routing_key": "normal",
        "task_queues": [Queue(name, exchange, routing_key=name) for name in QUEUES],
        "beat_schedule": {
            "reconcile-stuck-work": {
                "task": "transdesk.reconcile",
                "schedule": values["RECONCILE_EVERY"],
                "options": {"queue": "normal"},
            }
        },
    }


def select_locale() -> str | None:
    languages = [code for code in babel_languages()]
    reader_lang = g.get("reader_lang")
    if reader_lang:
        return reader_lang
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.ui_locale:
        return current_user.ui_locale
    return request.accept_languages.best_match(languages) or "en"


def babel_languages() -> list[str]:
    from flask import current_app

    return [code.strip() for code in current_app.config["TRANSDESK_LANGUAGES"].split(",") if code.strip()]


def ui_language_choices() -> list[tuple[str, str]]:
    from service import languages

    return [(code, languages.native_name(code)) for code in babel_languages()]


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    def respond(status: int, code: str, message: str) -> Any:
        if wants_json():
            return jsonify(error={"code": code, "message": message}), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(TransdeskError)
    def _transdesk_error(exc: TransdeskError) -> Any:
        db.session.rollback()
        return respond(exc.status, exc.code, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        return respond(400, "csrf", "The form expired or was not sent from this site. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        code = (exc.name or "error").lower().replace(" ", "_")
        message = exc.description or exc.name
        if exc.code == 413:
            message = "the upload is larger than the import size limit"
        return respond(exc.code or 500, code, message)
