"""The Babel catalog pipeline behind ``transdesk translate extract|update|compile``.

Uses Babel's Python API (the same code ``pybabel`` runs) with fixed options so that the committed
``locales/messages.pot`` only changes when a message changes: sorted output, file locations without
line numbers, and a fixed creation date.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES_DIR = ROOT / "locales"
POT_PATH = LOCALES_DIR / "messages.pot"
MAPPING_PATH = LOCALES_DIR / "babel.cfg"
DOMAIN = "messages"

# pybabel's -k options; ``_l`` marks menu msgids (service/public/menus.py) and lazy_gettext aliases.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
}
COMMENT_TAGS = ("NOTE:",)
PROJECT = "Transdesk"
VERSION = "0.1.0"
# A fixed date keeps POT-Creation-Date (and thus the pot) identical between runs.
CREATION_DATE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
HEADER_COMMENT = (
    "# Translations template for Transdesk.\n"
    "# This file is distributed under the same license as the Transdesk project."
)
# Line numbers churn on every edit; file names alone still tell translators where a string lives.
_WRITE_OPTIONS = {"width": 76, "sort_output": True, "include_lineno": False}


def _locale_dir_name(code: str) -> str:
    """``pt-BR`` → ``pt_BR``: the directory name Flask-Babel looks up."""
    return str(Locale.parse(code.replace("-", "_")))


def build_template(root: Path = ROOT, mapping: Path | None = None) -> Catalog:
    """Extract every message under ``root`` as configured by locales/babel.cfg."""
    mapping = mapping or (root / "locales" / "babel.cfg")
    with mapping.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, filename=str(mapping))
    catalog = Catalog(
        project=PROJECT,
        version=VERSION,
        copyright_holder=PROJECT,
        msgid_bugs_address="",
        creation_date=CREATION_DATE,
        charset="utf-8",
        header_comment=HEADER_COMMENT,
        fuzzy=False,
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    ):
        catalog.add(
            message,
            None,
            [(Path(filename).as_posix(), lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def _write(catalog: Catalog, path: Path, **options: object) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, **{**_WRITE_OPTIONS, **options})  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    data = buf.getvalue()
    # Skip unchanged files so that mtimes (and editors) are left alone.
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def extract(output: Path | None = None, root: Path = ROOT) -> Path:
    """Write the template (default locales/messages.pot) and return its path."""
    output = output or POT_PATH
    _write(build_template(root), output)
    return output


def catalog_paths(locales_dir: Path | None = None) -> list[Path]:
    """The shipped .po catalogs: locales/<lang>/LC_MESSAGES/messages.po."""
    return sorted((locales_dir or LOCALES_DIR).glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def update(locales_dir: Path | None = None, template: Path | None = None) -> list[Path]:
    """Merge the template into every catalog (new entries empty, changed ones fuzzy, like pybabel)."""
    locales_dir = locales_dir or LOCALES_DIR
    template_catalog = _read(template or locales_dir / "messages.pot")
    updated: list[Path] = []
    for po_path in catalog_paths(locales_dir):
        catalog = _read(po_path, locale=po_path.parents[1].name)
        catalog.update(template_catalog)
        # Obsolete entries are dropped: fuzzy matching already carried over what was reusable.
        _write(catalog, po_path, ignore_obsolete=True)
        updated.append(po_path)
    return updated


def compile(locales_dir: Path | None = None, use_fuzzy: bool = False) -> list[Path]:  # noqa: A001
    """Build messages.mo next to every catalog (build products: never committed)."""
    built: list[Path] = []
    for po_path in catalog_paths(locales_dir):
        catalog = _read(po_path, locale=po_path.parents[1].name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=use_fuzzy)
        built.append(mo_path)
    return built


def add_language(code: str, locales_dir: Path | None = None, template: Path | None = None) -> Path:
    """Create locales/<lang>/LC_MESSAGES/messages.po from the template (``pybabel init``)."""
    locales_dir = locales_dir or LOCALES_DIR
    name = _locale_dir_name(code)
    po_path = locales_dir / name / "LC_MESSAGES" / f"{DOMAIN}.po"
    if po_path.exists():
        raise FileExistsError(f"{po_path} already exists; use update()")
    catalog = _read(template or locales_dir / "messages.pot", locale=name)
    catalog.locale = Locale.parse(name)
    catalog.revision_date = dt.datetime.now(dt.UTC)
    catalog.fuzzy = False
    _write(catalog, po_path)
    return po_path


def _message_key(message: object) -> tuple[str, str | None]:
    msgid = message.id  # type: ignore[attr-defined]
    return (msgid[0] if isinstance(msgid, tuple) else msgid, message.context)  # type: ignore[attr-defined]


def _signature(catalog: Catalog) -> dict[tuple[str, str | None], tuple[object, ...]]:
    """What matters in a template: ids, plurals, comments, files, flags (not headers)."""
    return {
        _message_key(m): (m.id, tuple(m.auto_comments), tuple(sorted(m.locations)), tuple(sorted(m.flags)))
        for m in catalog
        if m.id
    }


def _catalog_problems(po_path: Path, template: Catalog, locales_dir: Path) -> Iterable[str]:
    rel = po_path.relative_to(locales_dir.parent) if locales_dir.parent in po_path.parents else po_path
    catalog = _read(po_path, locale=po_path.parents[1].name)
    if catalog.fuzzy:
        yield f"{rel}: the catalog header is marked fuzzy"
    for message in template:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        translated = catalog.get(message.id, context=message.context)
        if translated is None:
            yield f"{rel}: missing {key!r}"
            continue
        strings = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        if not all(strings):
            yield f"{rel}: untranslated {key!r}"
        elif translated.fuzzy:
            yield f"{rel}: fuzzy {key!r}"
    for message, errors in catalog.check():
        for error in errors:
            yield f"{rel}: {message.id!r}: {error}"


def check(pot_out: Path, root: Path = ROOT) -> list[str]:
    """Problems that block a release: pot drift against the sources, then per catalog entries that
    are missing, untranslated or fuzzy (or have broken placeholders). ``pot_out`` receives the fresh
    extraction, so a failing check leaves the up-to-date template to look at."""
    locales_dir = root / "locales"
    problems: list[str] = []
    extract(pot_out, root=root)
    fresh = _read(pot_out)
    committed_path = locales_dir / "messages.pot"
    if not committed_path.exists():
        problems.append("locales/messages.pot is missing: run `transdesk translate extract`")
    else:
        old, new = _signature(_read(committed_path)), _signature(fresh)
        added = sorted(k[0] for k in new.keys() - old.keys())
        removed = sorted(k[0] for k in old.keys() - new.keys())
        changed = sorted(k[0] for k in new.keys() & old.keys() if new[k] != old[k])
        for label, keys in (("new", added), ("removed", removed), ("changed", changed)):
            for key in keys:
                problems.append(f"locales/messages.pot is out of date ({label} message {key!r})")
    for po_path in catalog_paths(locales_dir):
        problems.extend(_catalog_problems(po_path, fresh, locales_dir))
    return problems
