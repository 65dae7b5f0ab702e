"""``transdesk glossary import|export|list`` (registered by ``service.cli``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from service.cli import handle_errors


@click.group("glossary")
def glossary_group() -> None:
    """Glossary terms per language pair (CSV and TBX in and out)."""


@glossary_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source-lang", default=None, help="for CSV without a source_lang column; TBX names its own")
@click.option("--target-lang", default=None, help="for CSV without a target_lang column; with TBX: only this one")
@with_appcontext
@handle_errors
def glossary_import(file: Path, source_lang: str | None, target_lang: str | None) -> None:
    """Add or update the terms of FILE (.csv, .tsv or .tbx); all or nothing. Prints the counts as JSON."""
    from service.glossary import io

    click.echo(json.dumps(io.import_file(file, source_lang, target_lang)))


@glossary_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="default: standard output")
@click.option("--format", "fmt", type=click.Choice(["csv", "tbx"]), default=None,
              help="default: from the output's extension, else csv")
@click.option("--source-lang", default=None)
@click.option("--target-lang", default=None)
@with_appcontext
@handle_errors
def glossary_export(output: Path | None, fmt: str | None, source_lang: str | None, target_lang: str | None) -> None:
    """Write the glossary (or one language pair of it) as CSV or TBX."""
    from service.glossary import io, services

    fmt = fmt or ("tbx" if output is not None and output.suffix.lower() == ".tbx" else "csv")
    terms = services.list_terms(source_lang, target_lang)
    data = io.export_tbx(terms) if fmt == "tbx" else io.export_csv(terms).encode()
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    output.write_bytes(data)
    click.echo(json.dumps({"exported": len(terms), "file": str(output), "format": fmt}))


@glossary_group.command("list")
@click.option("--source-lang", default=None)
@click.option("--target-lang", default=None)
@click.option("--search", default="", help="only terms whose source or target contains this")
@with_appcontext
@handle_errors
def glossary_list(source_lang: str | None, target_lang: str | None, search: str) -> None:
    """One JSON object per term and line."""
    from service.glossary import services

    for term in services.list_terms(source_lang, target_lang, search):
        click.echo(json.dumps(term.as_dict(), ensure_ascii=False))


commands: list[click.Command] = [glossary_group]
