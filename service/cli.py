"""The ``transdesk`` command line: a Flask CLI group, so ``flask --app service …`` works the same.

Commands call the same service functions as the views and the API. Expected failures print one
line on stderr and exit 1; nothing is written when an input is refused.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from service.errors import TransdeskError


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TransdeskError as exc:
            from service.extensions import db

            db.session.rollback()
            fail(exc.message)

    return wrapper


@click.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("--slug", help="URL slug (only with one source); default: from the title")
@click.option("--source-lang", help="language of the source; default: the page's, else TRANSDESK_SOURCE_LANGUAGE")
@click.option("--translate", "translate_to", default="", help="target languages, comma-separated, e.g. ru,kk")
@click.option("--priority", type=click.Choice(["high", "normal", "low"]), default="normal", show_default=True)
@click.option("--update", is_flag=True,
              help="re-import: update the article with the same slug (else canonical URL, else title) in place; "
                   "unchanged segments keep their translations")
@with_appcontext
@handle_errors
def import_command(sources: tuple[str, ...], slug: str | None, source_lang: str | None, translate_to: str,
                   priority: str, update: bool) -> None:
    """Import SOURCES: file paths, http(s) URLs, - for stdin, RSS/Atom feeds or sitemaps (their articles).

    One JSON line per article on stdout, in order; in a batch a failed source gets a JSON error line (and one
    on stderr) and the others go on; the exit status is 1 if any failed. A progress bar is drawn on stderr
    for batches when stderr is a terminal. With --update an article already here is updated in place and its
    line also says what was kept, added, removed and which published languages became outdated.
    """
    import dataclasses

    from service.articles import services
    from service.articles import sources as batch
    from service.extensions import db

    if slug and len(sources) > 1:
        raise TransdeskError("--slug can only be used with a single source")
    req = services.validate_request(services.ImportRequest(slug=slug, source_lang=source_lang,
                                                           languages=translate_to, priority=priority))
    settings = batch.FetchSettings(max_bytes=int(current_app.config["TRANSDESK_MAX_IMPORT_BYTES"]),
                                   allow_private=bool(current_app.config["TRANSDESK_IMPORT_ALLOW_PRIVATE_URLS"]))
    entries: list[batch.Fetched | str | tuple[str, TransdeskError]] = []
    # Failures while reading or expanding land in the list where the source was, so lines keep source order.
    for item in batch.expand(list(sources), settings, on_error=lambda source, exc: entries.append((source, exc))):
        entries.append(item)
    single = len(sources) == 1 and len(entries) == 1
    if slug and not single:
        raise TransdeskError("--slug can only be used with a single source (this one lists several articles)")
    failures = 0

    def import_one(entry: batch.Fetched | str | tuple[str, TransdeskError]) -> None:
        nonlocal failures
        source = entry.source if isinstance(entry, batch.Fetched) else entry if isinstance(entry, str) else entry[0]
        try:
            if isinstance(entry, tuple):
                raise entry[1]
            fetched = entry if isinstance(entry, batch.Fetched) else batch.fetch(entry, settings)
            parsed = batch.parse(fetched, settings)
            one = dataclasses.replace(req, source_name=fetched.name)
            result = (services.import_or_update(parsed, one) if update
                      else services.ImportResult(services.create_article(parsed, one), created=True))
        except TransdeskError as exc:
            db.session.rollback()
            if single:
                raise
            failures += 1
            click.echo(json.dumps({"source": source, "error": {"code": exc.code, "message": exc.message}},
                                  ensure_ascii=False))
            click.echo(f"error: {source}: {exc.message}", err=True)
            return
        article = result.article
        line = {"id": article.id, "slug": article.slug, "segments": len(article.segments),
                "languages": sorted(services.status(article)["languages"])}
        if update:
            line.update(result.as_json())
        click.echo(json.dumps(line, ensure_ascii=False))

    if len(entries) > 1 and sys.stderr.isatty():
        with click.progressbar(entries, label="importing", file=sys.stderr, show_pos=True) as bar:
            for entry in bar:
                import_one(entry)
    else:
        for entry in entries:
            import_one(entry)
    if failures:
        sys.exit(1)


@click.command("segment")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--lang", default="en", show_default=True)
@click.option("--jsonl", is_flag=True, help="every input line is a paragraph; one JSON array per line")
@handle_errors
def segment_command(file: Any, lang: str, jsonl: bool) -> None:
    """Split plain text into sentences exactly as the pipeline does."""
    from service import languages
    from service.articles.segmentation import split_sentences

    lang = languages.validate(lang)
    if jsonl:
        for line in file:
            click.echo(json.dumps(split_sentences(line.rstrip("\n"), lang), ensure_ascii=False))
        return
    click.echo(json.dumps(split_sentences(file.read(), lang), ensure_ascii=False))


def _bar(share: float, width: int = 20) -> str:
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled)


@click.command("status")
@click.argument("article", required=False)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per article and line")
@with_appcontext
@handle_errors
def status_command(article: str | None, as_json: bool) -> None:
    """Counts by segment state per language, and whether each language is published."""
    from service.articles import services

    items = [services.get_article(article)] if article else list(reversed(services.list_articles()))
    for item in items:
        status = services.status(item)
        if as_json:
            langs = {lang: {"states": data["states"], "published": data["published"]}
                     for lang, data in status["languages"].items()}
            click.echo(json.dumps({"id": status["id"], "slug": status["slug"], "languages": langs},
                                  ensure_ascii=False))
            continue
        click.echo(f"#{status['id']} {status['slug']} ({status['segments']} segments)")
        for lang, data in status["languages"].items():
            states = ", ".join(f"{k} {v}" for k, v in data["states"].items() if v)
            mark = "published" if data["published"] else data["status"]
            click.echo(f"  {lang:6} {_bar(data['approved_share'])} {data['approved_share']:6.1%} approved"
                       f"  [{mark}]  {states}")


@click.command("publish")
@click.argument("article")
@click.argument("lang")
@click.option("--force", is_flag=True, help="publish although the gate blocks (needs --reason; logged)")
@click.option("--reason", help="why the gate is overridden")
@with_appcontext
@handle_errors
def publish_command(article: str, lang: str, force: bool, reason: str | None) -> None:
    """Publish ARTICLE in LANG when every segment is approved."""
    from service import languages
    from service.articles import services
    from service.publishing import services as publishing

    if reason and not force:
        raise TransdeskError("--reason goes with --force")
    item = services.get_article(article)
    snapshot = publishing.publish(item, languages.validate(lang), force=force, reason=reason)
    click.echo(json.dumps({"id": item.id, "slug": item.slug, "lang": snapshot.lang, "snapshot": snapshot.id,
                           "forced": snapshot.forced, "url": f"/{snapshot.lang}/{item.slug}"}, ensure_ascii=False))


@click.group("users")
def users_group() -> None:
    """Staff accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["translator", "reviewer", "editor", "admin"]), required=True)
@click.option("--languages", "langs", default="", help="comma-separated languages this person works on")
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
@handle_errors
def users_create(email: str, role: str, langs: str, name: str, password_stdin: bool) -> None:
    from service.accounts import services

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = services.create_user(email, role, password, languages_=langs, name=name)
    click.echo(json.dumps({"id": user.id, "email": user.email, "role": user.role,
                           "languages": user.language_list}))


@users_group.command("token")
@click.argument("email")
@with_appcontext
@handle_errors
def users_token(email: str) -> None:
    """Issue a new API token for EMAIL (replaces the old one); printed once."""
    from sqlalchemy import select

    from service.accounts import services
    from service.accounts.models import User
    from service.extensions import db

    user = db.session.scalar(select(User).filter_by(email=email.strip().lower()))
    if user is None:
        raise TransdeskError(f"no user {email!r}")
    click.echo(services.issue_token(user))


@click.group("translate")
def translate_group() -> None:
    """The Babel catalog pipeline for locales/ (UI and site menus)."""


@translate_group.command("extract")
def translate_extract() -> None:
    from service import i18n

    click.echo(str(i18n.extract()))


@translate_group.command("update")
def translate_update() -> None:
    from service import i18n

    i18n.update()


@translate_group.command("compile")
def translate_compile() -> None:
    from service import i18n

    for path in i18n.compile():
        click.echo(str(path))


@translate_group.command("add")
@click.argument("lang")
@handle_errors
def translate_add(lang: str) -> None:
    """Start a catalog for a new language (then translate locales/LANG/LC_MESSAGES/messages.po)."""
    from service import i18n, languages

    click.echo(str(i18n.add_language(languages.validate(lang).replace("-", "_"))))


@click.command("worker")
@click.option("--queues", default="breaking,normal,backfill", show_default=True)
@click.option("--concurrency", type=int, default=None)
@click.option("--pool", default=None, help="Celery pool (prefork, solo, threads)")
def worker_command(queues: str, concurrency: int | None, pool: str | None) -> None:
    """Run a Celery worker (the broker and database come from the environment)."""
    from service import runner

    runner.exec_celery("worker", ["-Q", queues, *(["-c", str(concurrency)] if concurrency else []),
                                  *(["-P", pool] if pool else [])])


@click.command("beat")
def beat_command() -> None:
    """Run the periodic scheduler (the reconciler of stuck work)."""
    from service import runner

    runner.exec_celery("beat", [])


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="default: $PORT or 5000")
@click.option("--workers", type=int, default=2, show_default=True)
def serve_command(host: str, port: int | None, workers: int) -> None:
    """Run the web server (gunicorn where available, else Werkzeug's threaded server)."""
    from service import runner

    runner.serve(host, port, workers)


@click.command("demo")
@click.option("--port", type=int, default=None, help="default: $PORT or 5000")
@click.option("--sample", type=click.Path(exists=True, dir_okay=False), default=None)
@with_appcontext
@handle_errors
def demo_command(port: int | None, sample: str | None) -> None:
    """Set up the embedded demo, import the sample for Russian, and serve it with a real worker."""
    from service import demo

    demo.run(current_app._get_current_object(), port=port, sample=sample)  # type: ignore[attr-defined]


def register_commands(app: Flask) -> None:
    for command in (import_command, segment_command, status_command, publish_command, users_group,
                    translate_group, worker_command, beat_command, serve_command, demo_command):
        app.cli.add_command(command)
    from service.glossary.cli import commands as glossary_commands
    from service.publishing.cli import commands as publishing_commands
    from service.translation.cli import commands as translation_commands

    for extra in (*publishing_commands, *translation_commands, *glossary_commands):
        app.cli.add_command(extra)


def create_cli_app() -> Flask:
    from service import create_app

    return create_app()


cli = FlaskGroup(create_app=create_cli_app, help="Transdesk: translation workflow for newsrooms.")


def main() -> None:
    cli.main(prog_name="transdesk")


if __name__ == "__main__":
    main()
