"""Working together on an article: assignments ("my work"), per-segment comments, who has it open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from service.accounts import rights
from service.accounts.models import User
from service.articles.models import Article, Segment
from service.errors import InvalidInput, NotFound
from service.extensions import db
from service.history import record
from service.review.models import Assignment, Comment, Presence
from service.timeutil import utcnow

PRESENT_FOR = timedelta(seconds=90)  # the editor polls every few seconds while it is open
MAX_COMMENT = 4000


def assignable(lang: str) -> list[User]:
    """People who could work on ``lang``: active translators and reviewers with rights for it."""
    people = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.email))
    return [u for u in people if u.role in ("translator", "reviewer") and rights.has_language(u, lang)]


def assignments(article_id: int) -> dict[str, list[Assignment]]:
    rows = db.session.scalars(select(Assignment).filter_by(article_id=article_id).order_by(Assignment.lang,
                                                                                           Assignment.id))
    grouped: dict[str, list[Assignment]] = {}
    for row in rows:
        grouped.setdefault(row.lang, []).append(row)
    return grouped


def assign(article: Article, lang: str, user_ids: list[int], by: Any) -> list[Assignment]:
    """Replace who is assigned to ``article`` in ``lang``; everyone must have rights for the language."""
    rights.require(rights.can_publish(by, lang), f"only editors can assign {lang!r}")
    allowed = {u.id: u for u in assignable(lang)}
    unknown = [uid for uid in user_ids if uid not in allowed]
    if unknown:
        raise InvalidInput(f"these people cannot work on {lang!r}: {', '.join(map(str, unknown))}")
    db.session.execute(delete(Assignment).where(Assignment.article_id == article.id, Assignment.lang == lang))
    rows = [Assignment(article_id=article.id, lang=lang, user_id=uid, assigned_by_id=by.id)
            for uid in dict.fromkeys(user_ids)]
    db.session.add_all(rows)
    record("assign", article_id=article.id, lang=lang, user_id=by.id,
           people=[allowed[uid].email for uid in dict.fromkeys(user_ids)])
    db.session.commit()
    return rows


@dataclass
class WorkItem:
    article: Article
    lang: str


def my_work(user: Any) -> list[WorkItem]:
    rows = db.session.execute(
        select(Article, Assignment.lang).join(Assignment, Assignment.article_id == Article.id)
        .where(Assignment.user_id == user.id).order_by(Article.created_at.desc(), Assignment.lang)
    ).all()
    return [WorkItem(article, lang) for article, lang in rows]


def add_comment(segment_id: int, lang: str, user: Any, body: str) -> Comment:
    rights.require(rights.can_edit(user, lang), f"you have no rights for {lang!r}")
    if db.session.get(Segment, segment_id) is None:
        raise NotFound(f"no segment {segment_id}")
    body = (body or "").strip()
    if not body:
        raise InvalidInput("the comment is empty")
    if len(body) > MAX_COMMENT:
        raise InvalidInput(f"a comment has at most {MAX_COMMENT} characters")
    comment = Comment(segment_id=segment_id, lang=lang, user_id=user.id, body=body)
    db.session.add(comment)
    db.session.commit()
    return comment


def comments(segment_id: int, lang: str) -> list[Comment]:
    return list(db.session.scalars(select(Comment).filter_by(segment_id=segment_id, lang=lang)
                                   .order_by(Comment.created_at, Comment.id)))


def comment_counts(article_id: int, lang: str) -> dict[int, int]:
    from sqlalchemy import func

    rows = db.session.execute(select(Comment.segment_id, func.count()).join(Segment, Segment.id == Comment.segment_id)
                              .where(Segment.article_id == article_id, Comment.lang == lang)
                              .group_by(Comment.segment_id)).all()
    return {segment_id: count for segment_id, count in rows}


def touch(article_id: int, lang: str, user: Any) -> None:
    """Note that ``user`` has the editor open now (one row per person, article and language)."""
    row = db.session.scalar(select(Presence).filter_by(article_id=article_id, lang=lang, user_id=user.id))
    if row is None:
        db.session.add(Presence(article_id=article_id, lang=lang, user_id=user.id))
    else:
        row.seen_at = utcnow()
    db.session.commit()


def others_present(article_id: int, lang: str, user: Any) -> list[User]:
    since = utcnow() - PRESENT_FOR
    return list(db.session.scalars(
        select(User).join(Presence, Presence.user_id == User.id)
        .where(Presence.article_id == article_id, Presence.lang == lang, Presence.seen_at >= since,
               User.id != user.id).order_by(User.email)))
