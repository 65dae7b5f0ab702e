"""The publish gate, publishing (immutable snapshots) and what readers are served."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from service.articles.assembly import assemble
from service.articles.models import Article
from service.errors import Conflict, InvalidInput, NotFound
from service.extensions import db
from service.history import record
from service.publishing.models import LanguageVersion, Snapshot, VersionStatus
from service.timeutil import utcnow
from service.translation.models import Translation
from service.translation.states import State

# A forced publish uses a person's text where there is one; the rest stays in the source language
# rather than showing readers an unreviewed machine draft.
FORCED_STATES = {State.APPROVED.value, State.TRANSLATED.value}


@dataclass
class Gate:
    lang: str
    blockers: list[str]

    @property
    def passes(self) -> bool:
        return not self.blockers


def language_version(article: Article, lang: str) -> LanguageVersion:
    version = db.session.scalar(select(LanguageVersion).filter_by(article_id=article.id, lang=lang))
    if version is None:
        raise NotFound(f"article {article.slug!r} has no {lang!r} version")
    return version


def gate(article: Article, lang: str) -> Gate:
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
    return Gate(lang, blockers)


def _snapshot(article: Article, lang: str, texts: dict[int, str], *, user_id: int | None, forced: bool,
              reason: str | None) -> Snapshot:
    parts = assemble(article, lang, texts)
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
    return snapshot


def publish(article: Article, lang: str, *, user_id: int | None = None, force: bool = False,
            reason: str | None = None) -> Snapshot:
    """Publish when the gate passes; ``force`` needs a reason and is logged with what it overrode."""
    version = language_version(article, lang)
    if version.is_source:
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
    db.session.commit()
    return snapshot


def published_versions(article: Article) -> list[LanguageVersion]:
    return [
        v for v in db.session.scalars(
            select(LanguageVersion).filter_by(article_id=article.id, status=VersionStatus.PUBLISHED.value)
            .order_by(LanguageVersion.is_source.desc(), LanguageVersion.lang)
        )
        if v.snapshot_id is not None
    ]


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
