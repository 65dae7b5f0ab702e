"""Publish-gate checks beyond segment approval: the site chrome's catalog, QA errors, unedited MT.

Each check takes the article and the language and returns blocker messages (empty when it passes).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po
from flask import current_app
from sqlalchemy import select

from service import i18n
from service.articles.models import Article, Segment
from service.extensions import db
from service.translation.states import State

# Menu msgids are written in English, so English needs no catalog to label the menus.
MSGID_LANGUAGE = "en"


def _catalog_candidates(lang: str, locales_dir: Path) -> list[Path]:
    """locales/<ll_TT>/… then locales/<ll>/…: the catalogs Flask-Babel would fall back through."""
    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return []
    names = list(dict.fromkeys([str(locale), locale.language]))
    return [locales_dir / name / "LC_MESSAGES" / f"{i18n.DOMAIN}.po" for name in names]


@lru_cache(maxsize=64)
def _translated(path: Path, mtime_ns: int) -> frozenset[str]:
    """The msgids with a non-fuzzy translation in a catalog (cached per file version)."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    done: set[str] = set()
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            msgid = message.id
            done.add(str(msgid[0] if isinstance(msgid, (tuple, list)) else msgid))
    return frozenset(done)


def missing_messages(lang: str, msgids: list[str], locales_dir: Path | None = None) -> list[str] | None:
    """The msgids without a translation into ``lang``; None when the language has no catalog at all."""
    if lang.split("-")[0].split("_")[0].lower() == MSGID_LANGUAGE:
        return []
    for path in _catalog_candidates(lang, locales_dir or i18n.LOCALES_DIR):
        if path.is_file():
            done = _translated(path, path.stat().st_mtime_ns)
            return [msgid for msgid in msgids if msgid not in done]
    return None


def menu_blockers(article: Article, lang: str) -> list[str]:
    """The reader page's menus and chrome must be fully translated, or readers get mixed languages."""
    from service.public.menus import all_menu_messages

    missing = missing_messages(lang, all_menu_messages())
    if missing is None:
        return [f"the site menus have no {lang!r} catalog (run `transdesk translate add {lang}`)"]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:3]) + (", …" if len(missing) > 3 else "")
        return [f"{len(missing)} menu labels are not translated into {lang!r}: {shown}"]
    return []


def qa_error_blockers(article: Article, lang: str) -> list[str]:
    """Approved segments whose text has QA errors (tags, numbers, links, forbidden terms)."""
    from service.translation import checks as qa
    from service.translation.models import Translation

    rows = db.session.execute(
        select(Segment.position, Segment.source, Translation.text)
        .join(Translation, Translation.segment_id == Segment.id)
        .where(Translation.article_id == article.id, Translation.lang == lang,
               Translation.state == State.APPROVED.value)
        .order_by(Segment.position)
    ).all()
    bad = [(position, issue) for position, source, text in rows
           for issue in qa.run_checks(source, text or "", article.source_lang, lang) if issue.severity == "error"]
    if not bad:
        return []
    position, issue = bad[0]
    return [f"{len({p for p, _ in bad})} approved segments have quality-check errors "
            f"(segment {position + 1}: {issue.message})"]


def mt_limits(lang: str) -> tuple[float, float]:
    """(block above, warn above) for the unmodified-MT share of ``lang``."""
    config = current_app.config
    limit = float(config["TRANSDESK_MT_UNMODIFIED_LIMIT"])
    for item in str(config["TRANSDESK_MT_UNMODIFIED_LIMITS"]).split(","):
        code, _, value = item.partition("=")
        if code.strip() == lang and value.strip():
            limit = float(value)
    return limit, min(limit, float(config["TRANSDESK_MT_UNMODIFIED_WARN"]))


def unmodified_mt_blockers(article: Article, lang: str) -> list[str]:
    """Wikipedia Content Translation's guard: too much machine translation left as the engine wrote it."""
    from service.translation.checks import mt_share

    share = mt_share(article.id, lang, approved_only=True)
    limit, _warn = mt_limits(lang)
    if share is not None and share > limit:
        return [f"{share:.0%} of the machine-translated text is unedited (the limit for {lang} is {limit:.0%}); "
                "edit the drafts or publish with --force and a reason"]
    return []


def unmodified_mt_warnings(article: Article, lang: str) -> list[str]:
    from service.translation.checks import mt_share

    share = mt_share(article.id, lang, approved_only=True)
    limit, warn = mt_limits(lang)
    if share is not None and warn < share <= limit:
        return [f"{share:.0%} of the machine-translated text is unedited (warning above {warn:.0%})"]
    return []


GateCheck = Callable[[Article, str], list[str]]

# Run in order after the segment-approval check; append new checks here.
GATE_CHECKS: list[GateCheck] = [menu_blockers, qa_error_blockers, unmodified_mt_blockers]
