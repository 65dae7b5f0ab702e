"""Commands for the translation memory and the exchange formats (registered by ``service.cli``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from service.cli import handle_errors
from service.errors import InvalidInput, NotFound


@click.group("tm")
def tm_group() -> None:
    """The translation memory (TMX 1.4 in and out)."""


def _progress(length: int, label: str) -> Any:
    """A progress bar on standard error (standard output keeps the JSON line)."""
    return click.progressbar(length=length, label=label, file=sys.stderr, show_percent=True, show_eta=True)


@tm_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@handle_errors
def tm_import(file: Path) -> None:
    """Add the translation units of FILE.tmx, streamed; prints the counts as one JSON line."""
    from service.translation import tmx_io

    if not file.is_file():
        raise InvalidInput(f"no such file: {file}")
    with _progress(file.stat().st_size, "importing") as bar:
        counts = tmx_io.import_tmx(file, progress=lambda done: bar.update(done - bar.pos))
    click.echo(json.dumps(counts))


@tm_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="default: standard output")
@click.option("--source-lang", default=None)
@click.option("--target-lang", default=None)
@with_appcontext
@handle_errors
def tm_export(output: Path | None, source_lang: str | None, target_lang: str | None) -> None:
    """Write the memory as TMX 1.4 (to -o FILE, then a JSON line with the count; else to standard output)."""
    from service.translation import memory, tmx_io

    if output is None:
        tmx_io.export_tmx(sys.stdout.buffer, source_lang, target_lang)
        return
    with output.open("wb") as fh, _progress(memory.count(source_lang, target_lang), "exporting") as bar:
        count = tmx_io.export_tmx(fh, source_lang, target_lang, progress=lambda done: bar.update(done - bar.pos))
    click.echo(json.dumps({"exported": count, "file": str(output)}))


@tm_group.command("policy")
@click.argument("lang", required=False)
@click.option("--auto-approve", metavar="off|in_context|exact", default=None,
              help="which exact TM matches the pipeline approves without a person")
@with_appcontext
@handle_errors
def tm_policy_command(lang: str | None, auto_approve: str | None) -> None:
    """Show the auto-approve policy of every language (or of LANG), or set LANG's with --auto-approve.

    off: every TM match stays a draft (the default); in_context: exact matches whose previous and next
    segments are the same as where the memory's translation was approved; exact: every exact (100%) match.
    A match with a QA error always stays a draft. One JSON line per language.
    """
    from service import languages
    from service.translation import tm_policy

    if auto_approve is not None:
        if lang is None:
            raise InvalidInput("--auto-approve needs a LANG")
        rows = [tm_policy.set_auto_approve(lang, auto_approve)]
        shown = [(row.lang, row.auto_approve) for row in rows]
    elif lang is not None:
        code = languages.validate(lang)
        shown = [(code, tm_policy.auto_approve(code).value)]
    else:
        shown = [(row.lang, row.auto_approve) for row in tm_policy.policies()]
    for code, value in shown:
        click.echo(json.dumps({"lang": code, "auto_approve": value}))


@click.command("export")
@click.argument("article")
@click.argument("lang")
@click.option("--format", "fmt", type=click.Choice(["xliff12", "xliff20", "po"]), default="xliff20",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="default: standard output")
@with_appcontext
@handle_errors
def export_command(article: str, lang: str, fmt: str, output: Path | None) -> None:
    """Export ARTICLE's segments for LANG as XLIFF 1.2, XLIFF 2.0 or PO."""
    from service.articles import services
    from service.translation import exchange

    data = exchange.export(services.get_article(article), lang, fmt)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    output.write_bytes(data)
    click.echo(json.dumps({"file": str(output), "format": fmt, "bytes": len(data)}))


@click.command("import-translations")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "email", default=None, help="the person the changes are made as; default: the first admin")
@with_appcontext
@handle_errors
def import_translations_command(file: Path, email: str | None) -> None:
    """Apply the translations in an exported XLIFF or PO FILE; prints a JSON report line."""
    from sqlalchemy import select

    from service.accounts.models import User
    from service.extensions import db
    from service.translation import exchange

    if email:
        user = db.session.scalar(select(User).filter_by(email=email.strip().lower()))
        if user is None:
            raise NotFound(f"no user {email!r}")
    else:
        user = db.session.scalar(select(User).filter_by(role="admin", active=True).order_by(User.id))
        if user is None:
            raise InvalidInput("there is no admin to act as; pass --as EMAIL")
    click.echo(json.dumps(exchange.import_translations(file, user).as_dict(), ensure_ascii=False))


commands: list[click.Command] = [tm_group, export_command, import_translations_command]
