"""``transdesk unpublish`` and ``transdesk snapshots``: registered by service/cli.py from ``commands``."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from service.cli import handle_errors
from service.errors import TransdeskError


@click.command("unpublish")
@click.argument("article")
@click.argument("lang")
@with_appcontext
@handle_errors
def unpublish_command(article: str, lang: str) -> None:
    """Take ARTICLE's LANG version off the reader site (its snapshots are kept)."""
    from service import languages
    from service.articles import services
    from service.publishing import services as publishing

    item = services.get_article(article)
    version = publishing.unpublish(item, languages.validate(lang))
    click.echo(json.dumps({"id": item.id, "slug": item.slug, "lang": version.lang, "status": version.status,
                           "snapshot": version.snapshot_id}, ensure_ascii=False))


@click.command("snapshots")
@click.argument("article")
@click.argument("lang", required=False)
@click.option("--diff", "diff", nargs=2, type=int, metavar="OLD NEW", help="unified diff of two snapshots' HTML")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per snapshot")
@with_appcontext
@handle_errors
def snapshots_command(article: str, lang: str | None, diff: tuple[int, int] | None, as_json: bool) -> None:
    """List ARTICLE's published snapshots (of LANG only, if given), or compare two with --diff."""
    from service import languages
    from service.articles import services
    from service.publishing import services as publishing

    item = services.get_article(article)
    code = languages.validate(lang) if lang else None
    snapshots = publishing.list_snapshots(item, code)
    if diff:
        known = {s.id for s in publishing.list_snapshots(item)}
        for snapshot_id in diff:
            if snapshot_id not in known:
                raise TransdeskError(f"snapshot {snapshot_id} is not a snapshot of {item.slug!r}")
        click.echo(publishing.compare_snapshots(*diff), nl=False)
        return
    current = {v.lang: v.snapshot_id for v in publishing.published_versions(item)}
    for snapshot in snapshots:
        live = current.get(snapshot.lang) == snapshot.id
        if as_json:
            click.echo(json.dumps({"id": snapshot.id, "lang": snapshot.lang,
                                   "created_at": snapshot.created_at.isoformat(), "forced": snapshot.forced,
                                   "reason": snapshot.reason, "live": live}, ensure_ascii=False))
        else:
            flags = " ".join(f for f, on in (("live", live), ("forced", snapshot.forced)) if on)
            reason = f"  reason: {snapshot.reason}" if snapshot.reason else ""
            click.echo(f"{snapshot.id:>6}  {snapshot.lang:6} {snapshot.created_at:%Y-%m-%d %H:%M:%S}  {flags}{reason}"
                       .rstrip())


commands: list[click.Command] = [unpublish_command, snapshots_command]
