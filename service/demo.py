"""``make demo``: the whole path on embedded defaults (SQLite, filesystem broker, a real worker)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import run_simple

from service.accounts import services as accounts
from service.accounts.models import User
from service.articles import services as articles
from service.articles.models import Article
from service.config import PROJECT_ROOT
from service.extensions import db
from service.runner import start_celery

SAMPLE = PROJECT_ROOT / "tests" / "fixtures" / "eurasianet-armenia-coup.html"
ACCOUNTS = [
    ("editor@demo.transdesk", "editor", "", "demo-editor-pass"),
    ("translator.ru@demo.transdesk", "translator", "ru", "demo-translator-pass"),
    ("reviewer.ru@demo.transdesk", "reviewer", "ru", "demo-reviewer-pass"),
    ("translator.kk@demo.transdesk", "translator", "kk", "demo-translator-pass"),
]


def ensure_accounts() -> None:
    for email, role, langs, password in ACCOUNTS:
        if db.session.scalar(select(User.id).filter_by(email=email)) is None:
            accounts.create_user(email, role, password, languages_=langs)


def ensure_article(sample: Path) -> Article:
    parsed, _name = articles.read_and_parse(str(sample))
    slug = articles.slugify(parsed.title)
    existing = db.session.scalar(select(Article).filter_by(slug=slug))
    if existing is not None:
        return existing
    editor = db.session.scalar(select(User).filter_by(email=ACCOUNTS[0][0]))
    req = articles.ImportRequest(languages=["ru"], priority="normal", user_id=editor.id if editor else None,
                                 source_name=sample.name)
    return articles.create_article(parsed, req)


def run(app: Flask, *, port: int | None, sample: str | None) -> None:
    port = port or int(os.environ.get("PORT", "5000"))
    upgrade(directory=str(PROJECT_ROOT / "service" / "migrations"))
    ensure_accounts()
    article = ensure_article(Path(sample) if sample else SAMPLE)
    base = f"http://127.0.0.1:{port}"
    engine = app.config["TRANSDESK_MT_ENGINE"]
    click.echo(f"""
Transdesk demo — engine: {engine}{' (pseudo drafts are labelled, not real translations)' if engine == 'pseudo' else ''}
  database: {app.config['SQLALCHEMY_DATABASE_URI']}
  broker:   {app.config['CELERY']['broker_url']} (no server needed)

  Log in:          {base}/login
  Dashboard:       {base}/
  Article:         {base}/articles/{article.id}
  Review (ru):     {base}/review/{article.id}/ru
  Reader (en):     {base}/en/{article.slug}
  Reader (ru):     {base}/ru/{article.slug}   (after you publish ru)
  API:             {base}/api/v1/openapi.json
  Health:          {base}/healthz

Demo accounts (e-mail / password):""")
    for email, role, langs, password in ACCOUNTS:
        click.echo(f"  {email:32} {password:22} {role}{' for ' + langs if langs else ''}")
    click.echo("\nA Celery worker drafts the segments in the background. Ctrl-C stops everything.\n")

    def _stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (docker stop, kill) stops the demo like Ctrl-C

    signal.signal(signal.SIGTERM, _stop)
    worker = start_celery("worker", ["-P", "solo", "-B", "-Q", "breaking,normal,backfill",
                                     "--schedule", str(Path(app.instance_path) / "celerybeat-schedule")])
    try:
        # run_simple, not app.run(): Flask refuses app.run() inside its own CLI commands.
        run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)
    except KeyboardInterrupt:
        pass
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT if os.name != "posix" else signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except Exception:
                worker.kill()
        click.echo("demo stopped", err=True)
    sys.exit(0)
