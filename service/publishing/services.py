"""The publish gate, publishing (immutable snapshots) and what readers are served."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from blinker import Namespace
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from service import jobs
from service.articles.assembly import assemble
from service.articles.models import Article
from service.errors import Conflict, InvalidInput, NotFound
from service.extensions import db
from service.glossary.services import byline_texts
from service.history import record
from service.publishing.checks import GATE_CHECKS, unmodified_mt_warnings
from service.publishing.models import LIVE_STATUSES, LanguageVersion, Snapshot, VersionStatus
from service.timeutil import utcnow
from service.translation import links
from service.translation.models import Translation
from service.translation.states import State

# A forced publish uses a person's text where there is one; the rest stays in the source language
# rather than showing readers an unreviewed machine draft.
FORCED_STATES = {State.APPROVED.value, State.TRANSLATED.value}

# Sent in this process once a change to what is live commits (publish, re-publish, unpublish), so that the
# reader's cached view of it (service/public/views.py) is dropped at once instead of when it expires.
live_changed = Namespace().signal("live-changed")


def _live_changes() -> None:
    jobs.after_commit(_send_live_changed)


def _send_live_changed() -> None:
    live_changed.send()


@dataclass
class Gate:
    lang: str
    blockers: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return not self.blockers


def language_version(article: Article, lang: str) -> LanguageVersion:
    version = db.session.scalar(select(LanguageVersion).filter_by(article_id=article.id, lang=lang))
    if version is None:
        raise NotFound(f"article {article.slug!r} has no {lang!r} version")
    return version


def gate(article: Article, lang: str) -> Gate:
    """Everything that blocks publishing ``lang``: unapproved segments, then each of checks.GATE_CHECKS."""
    version = language_version(article, lang)
    blockers: list[str] = []
    if version.is_source:
        return Gate(lang, blockers)
    rows = db.session.execute(
        select(Translation.state, Translation.text).where(Translation.article_id == article.id,
                                                           Translation.lang == lang)
    ).all()
    total = len(article.segments)
    approved = sum(1 for state, text in rows if state == State.APPROVED.value and text)
    if approved < total:
        blockers.append(f"{total - approved} of {total} segments are not approved")
    for check in GATE_CHECKS:
        blockers.extend(check(article, lang))
    return Gate(lang, blockers, unmodified_mt_warnings(article, lang))


def version_state(article: Article, lang: str) -> str:
    """in_progress, ready (the gate passes but it is not published), published or outdated."""
    version = language_version(article, lang)
    if version.is_live:
        return version.status
    return VersionStatus.READY.value if gate(article, lang).passes else VersionStatus.IN_PROGRESS.value


def _snapshot(article: Article, lang: str, texts: dict[int, str], *, user_id: int | None, forced: bool,
              reason: str | None) -> Snapshot:
    # Untranslated bylines via the glossary; links retargeted for this language by its translators.
    link_targets = links.targets_for(article.id, lang) if lang != article.source_lang else {}
    parts = assemble(article, lang, byline_texts(article, lang, texts), link_targets)
    body = "\n".join(
        [parts["title_html"], parts["dek_html"] or "", *(b["html"] for b in parts["body_blocks"]),
         parts["newsletter_html"] or ""]
    )
    snapshot = Snapshot(article_id=article.id, lang=lang, title=parts["title_html"], body_html=body, meta=parts,
                        forced=forced, reason=reason, created_by_id=user_id)
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def publish_source(article: Article, *, user_id: int | None = None) -> Snapshot:
    version = language_version(article, article.source_lang)
    snapshot = _snapshot(article, article.source_lang, {}, user_id=user_id, forced=False, reason=None)
    version.snapshot_id = snapshot.id
    version.status = VersionStatus.PUBLISHED.value
    version.published_at = utcnow()
    record("publish", article_id=article.id, lang=article.source_lang, user_id=user_id, snapshot=snapshot.id)
    _live_changes()
    return snapshot


def publish(article: Article, lang: str, *, user_id: int | None = None, force: bool = False,
            reason: str | None = None) -> Snapshot:
    """Publish when the gate passes; ``force`` needs a reason and is logged with what it overrode."""
    version = language_version(article, lang)
    if version.is_source:
        if not version.is_live:  # unpublished: the source goes back up as it is
            snapshot = publish_source(article, user_id=user_id)
            db.session.commit()
            return snapshot
        raise InvalidInput(f"{lang!r} is the source language of {article.slug!r}; it is published on import")
    result = gate(article, lang)
    reason = (reason or "").strip() or None
    if force and not reason:
        raise InvalidInput("--force needs a reason (--reason TEXT)")
    if not result.passes and not force:
        raise Conflict("cannot publish: " + "; ".join(result.blockers))
    wanted = FORCED_STATES if force else {State.APPROVED.value}
    texts = {
        segment_id: text
        for segment_id, state, text in db.session.execute(
            select(Translation.segment_id, Translation.state, Translation.text)
            .where(Translation.article_id == article.id, Translation.lang == lang)
        )
        if state in wanted and text
    }
    overridden = bool(force and result.blockers)
    snapshot = _snapshot(article, lang, texts, user_id=user_id, forced=overridden, reason=reason)
    version.snapshot_id = snapshot.id
    version.status = VersionStatus.PUBLISHED.value
    version.published_at = utcnow()
    record("force_publish" if overridden else "publish", article_id=article.id, lang=lang, user_id=user_id,
           snapshot=snapshot.id, reason=reason, blockers=result.blockers)
    _live_changes()
    db.session.commit()
    return snapshot


def unpublish(article: Article, lang: str, user_id: int | None = None) -> LanguageVersion:
    """Take ``lang`` off the reader site; its snapshots stay (list_snapshots) and it can be published again."""
    version = language_version(article, lang)
    if not version.is_live:
        raise Conflict(f"{article.slug!r} is not published in {lang!r}")
    previous = version.status
    version.status = VersionStatus.IN_PROGRESS.value
    record("unpublish", article_id=article.id, lang=lang, user_id=user_id, old_state=previous,
           new_state=version.status, snapshot=version.snapshot_id)
    _live_changes()
    db.session.commit()
    return version


def mark_outdated(article: Article, user_id: int | None = None) -> list[str]:
    """The source changed (re-import): published translations become outdated but stay readable.

    Returns the languages marked; the caller commits with the re-import.
    """
    marked: list[str] = []
    for version in db.session.scalars(
        select(LanguageVersion).filter_by(article_id=article.id, status=VersionStatus.PUBLISHED.value,
                                          is_source=False).order_by(LanguageVersion.lang)
    ):
        version.status = VersionStatus.OUTDATED.value
        record("outdated", article_id=article.id, lang=version.lang, user_id=user_id,
               old_state=VersionStatus.PUBLISHED.value, new_state=version.status, snapshot=version.snapshot_id)
        marked.append(version.lang)
    db.session.flush()
    return marked


def list_snapshots(article: Article, lang: str | None = None) -> list[Snapshot]:
    """Every snapshot of the article (or of one language), oldest first."""
    query = select(Snapshot).filter_by(article_id=article.id)
    if lang is not None:
        query = query.filter_by(lang=lang)
    return list(db.session.scalars(query.order_by(Snapshot.created_at, Snapshot.id)))


def get_snapshot(snapshot_id: int) -> Snapshot:
    snapshot = db.session.get(Snapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(f"no snapshot {snapshot_id}")
    return snapshot


def compare_snapshots(a: Snapshot | int, b: Snapshot | int) -> str:
    """A unified diff of the body HTML from ``a`` to ``b`` (empty when they are the same)."""
    old = a if isinstance(a, Snapshot) else get_snapshot(a)
    new = b if isinstance(b, Snapshot) else get_snapshot(b)
    return "".join(difflib.unified_diff(
        old.body_html.splitlines(keepends=True), new.body_html.splitlines(keepends=True),
        fromfile=f"snapshot {old.id} ({old.lang}, {old.created_at:%Y-%m-%d %H:%M:%S})",
        tofile=f"snapshot {new.id} ({new.lang}, {new.created_at:%Y-%m-%d %H:%M:%S})",
    ))


def published_versions(article: Article) -> list[LanguageVersion]:
    """The versions readers get (published or outdated), the source first."""
    return [
        v for v in db.session.scalars(
            select(LanguageVersion).where(LanguageVersion.article_id == article.id,
                                          LanguageVersion.status.in_(LIVE_STATUSES))
            .order_by(LanguageVersion.is_source.desc(), LanguageVersion.lang)
        )
        if v.snapshot_id is not None
    ]


def published_in(lang: str) -> list[tuple[Article, LanguageVersion]]:
    """Every article readers get in ``lang``, newest publish first (the language's feed)."""
    rows = db.session.execute(
        select(Article, LanguageVersion).join(LanguageVersion, LanguageVersion.article_id == Article.id)
        .where(LanguageVersion.lang == lang, LanguageVersion.status.in_(LIVE_STATUSES),
               LanguageVersion.snapshot_id.is_not(None))
        .order_by(LanguageVersion.published_at.desc(), Article.id.desc())
    ).all()
    return [(article, version) for article, version in rows]


def all_published() -> list[tuple[Article, list[LanguageVersion]]]:
    """Every article with at least one live version, each with its live versions (the sitemap)."""
    grouped: dict[int, tuple[Article, list[LanguageVersion]]] = {}
    for article, version in db.session.execute(
        select(Article, LanguageVersion).join(LanguageVersion, LanguageVersion.article_id == Article.id)
        .where(LanguageVersion.status.in_(LIVE_STATUSES), LanguageVersion.snapshot_id.is_not(None))
        .order_by(Article.id, LanguageVersion.is_source.desc(), LanguageVersion.lang)
    ):
        grouped.setdefault(article.id, (article, []))[1].append(version)
    return list(grouped.values())


def reader_snapshot(slug: str, lang: str) -> tuple[Article, Snapshot, list[LanguageVersion]]:
    article = db.session.scalar(select(Article).filter_by(slug=slug))
    if article is None:
        raise NotFound("no such article")
    versions = published_versions(article)
    current = next((v for v in versions if v.lang == lang), None)
    if current is None or current.snapshot is None:
        raise NotFound(f"this article is not published in {lang!r}")
    return article, current.snapshot, versions


def snapshot_parts(snapshot: Snapshot) -> dict[str, Any]:
    return dict(snapshot.meta)


@dataclass(frozen=True)
class LiveArticle:
    """One article as readers get it in one language: what the reader page's links and lists need."""

    article_id: int
    slug: str
    canonical_url: str | None
    snapshot_id: int
    title_html: str
    published_at: datetime | None
    languages: int  # how many languages the article is live in


def live_in(lang: str) -> list[LiveArticle]:
    """Every article live in ``lang`` (one query, no snapshot bodies), newest publish first."""
    live = (LanguageVersion.status.in_(LIVE_STATUSES), LanguageVersion.snapshot_id.is_not(None))
    other = aliased(LanguageVersion)
    count = (
        select(func.count(other.id))
        .where(other.article_id == Article.id, other.status.in_(LIVE_STATUSES), other.snapshot_id.is_not(None))
        .correlate(Article)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Article.id, Article.slug, Article.canonical_url, Snapshot.id, Snapshot.title,
               LanguageVersion.published_at, count)
        .join(LanguageVersion, LanguageVersion.article_id == Article.id)
        .join(Snapshot, Snapshot.id == LanguageVersion.snapshot_id)
        .where(LanguageVersion.lang == lang, *live)
        .order_by(LanguageVersion.published_at.desc(), Article.id.desc())
    ).all()
    return [LiveArticle(*row) for row in rows]


# Plain SQL (no ORM compile on the reader's hot path); the statuses are constants, not input.
_STAMP_SQL = (
    "SELECT count(id), coalesce(sum(snapshot_id), 0), max(snapshot_id), max(published_at) FROM language_versions"
    " WHERE snapshot_id IS NOT NULL AND status IN (" + ", ".join(f"'{status}'" for status in LIVE_STATUSES) + ")"
)


def live_stamp() -> tuple[Any, ...]:
    """A cheap fingerprint of everything live (one aggregate row): it changes on every publish, unpublish
    and re-publish (each publish makes a new snapshot, each unpublish lowers the count), so a rendered
    reader page keyed on it is never served after what it shows changed."""
    return tuple(db.session.connection().exec_driver_sql(_STAMP_SQL).one())
