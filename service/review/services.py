"""Translators' and reviewers' actions on one segment translation.

Every write names the version it was based on; the UPDATE matches on it (optimistic locking), so
two people saving the same segment can never overwrite each other silently: the second gets a
``VersionConflict`` carrying the current text. Every write leaves a history row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from service.accounts import rights
from service.articles import inline
from service.articles.models import Segment
from service.errors import Conflict, InvalidInput, NotFound
from service.extensions import db
from service.history import Event, record
from service.timeutil import utcnow
from service.translation import checks, links, memory
from service.translation.models import Translation
from service.translation.states import APPROVABLE, EDITABLE, SENDABLE_BACK, Origin, State

MAX_TEXT = 20_000


class VersionConflict(Conflict):
    code = "version_conflict"

    def __init__(self, current: Translation, yours: str | None) -> None:
        super().__init__("someone else changed this segment since you opened it; compare and choose")
        self.current_text = current.text
        self.current_version = current.version
        self.current_state = current.state
        self.yours = yours

    def payload(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "current": {
            "text": self.current_text, "version": self.current_version, "state": self.current_state}}


def get_translation(article_id: int, lang: str, segment_id: int) -> Translation:
    row = db.session.scalar(select(Translation).filter_by(article_id=article_id, lang=lang, segment_id=segment_id)
                            .options(joinedload(Translation.segment)))
    if row is None:
        raise NotFound(f"segment {segment_id} has no {lang!r} translation")
    return row


def check_text(segment: Segment, text: str, *, complete: bool) -> str:
    """The text must use only this segment's tags, balanced; ``complete`` requires all of them."""
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the translation is longer than {MAX_TEXT} characters")
    try:
        inline.tagged_to_html(text, segment.tags)
    except ValueError as exc:
        raise InvalidInput(f"the tags in the translation do not match the source: {exc}") from None
    if complete:
        if not text:
            raise InvalidInput("an empty translation cannot be approved")
        # In source order, so the message reads "missing {1} {/1}"; escaped braces are not tags.
        wanted, present = inline.placeholders(segment.source), inline.placeholders(text)
        missing = [t for t in wanted if t not in present]
        if missing or sorted(present) != sorted(wanted):
            raise InvalidInput("the translation must keep every tag of the source: missing " + " ".join(missing))
    return text


def _write(row: Translation, user: Any, base_version: int, action: str, new_state: State,
           text: str | None, **data: Any) -> Translation:
    old_state, old_text = row.state, row.text
    values: dict[str, Any] = {"state": new_state.value, "version": Translation.version + 1, "updated_at": utcnow(),
                              "updated_by_id": user.id, "reason": None}
    if text is not None and text != old_text:
        values.update(text=text, origin=Origin.HUMAN.value, engine=None)
    written = db.session.execute(
        update(Translation).where(Translation.id == row.id, Translation.version == base_version).values(**values)
        .returning(*_WRITTEN).execution_options(synchronize_session=False)
    ).one_or_none()
    if written is None:
        db.session.rollback()
        raise VersionConflict(db.session.get(Translation, row.id) or row, text)
    record(action, article_id=row.article_id, segment_id=row.segment_id, lang=row.lang, user_id=user.id,
           old_state=old_state, new_state=new_state.value, old_text=old_text,
           new_text=text if text is not None else old_text, version=base_version + 1, **data)
    _commit_keeping_loaded()
    # The row as committed, from RETURNING: no reload (nor of its segment, article and user) after the commit.
    for column, value in zip(_WRITTEN, written, strict=True):
        set_committed_value(row, column.key, value)
    return row


# What a write can change (RETURNING): everything else of the row stays as loaded.
_WRITTEN = (Translation.state, Translation.text, Translation.origin, Translation.engine, Translation.version,
            Translation.updated_at, Translation.updated_by_id, Translation.reason)


def _commit_keeping_loaded() -> None:
    """Commit without expiring the objects this request loaded.

    A save is many short round trips, each a chance to wait for the CPU on a busy server: reloading the row,
    its segment, the article and the user after every commit made up 4 of 11 (``bench/ui.py``).
    """
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def save(row: Translation, user: Any, *, text: str, base_version: int) -> Translation:
    """A person's translation: the segment becomes ``translated``."""
    rights.require(rights.can_edit(user, row.lang), f"you have no rights to translate into {row.lang!r}")
    if row.state not in EDITABLE:
        raise InvalidInput("this segment is being machine-translated; try again in a moment")
    clean = check_text(row.segment, text, complete=False)
    if not clean:
        raise InvalidInput("the translation is empty")
    return _write(row, user, base_version, "save", State.TRANSLATED, clean)


def approve(row: Translation, user: Any, *, base_version: int, text: str | None = None) -> Translation:
    rights.require(rights.can_review(user, row.lang), f"you have no rights to approve {row.lang!r}")
    if row.state not in APPROVABLE:
        raise InvalidInput(f"a segment in state {row.state!r} cannot be approved")
    final = check_text(row.segment, text if text is not None else (row.text or ""), complete=True)
    # QA errors (tags, numbers, links, forbidden terms) block approval; warnings do not.
    errors = [i for i in checks.run_checks(row.segment.source, final, row.segment.article.source_lang, row.lang)
              if i.severity == "error"]
    if errors:
        raise InvalidInput("quality check: " + "; ".join(i.message for i in errors))
    approved = _write(row, user, base_version, "approve", State.APPROVED, final)
    memory.add_approved(approved)  # every approved segment enters the translation memory
    return approved


def send_back(row: Translation, user: Any, *, base_version: int, note: str = "") -> Translation:
    rights.require(rights.can_review(user, row.lang), f"you have no rights to review {row.lang!r}")
    if row.state not in SENDABLE_BACK:
        raise InvalidInput(f"a segment in state {row.state!r} cannot be sent back")
    return _write(row, user, base_version, "send_back", State.NEEDS_WORK, None, note=note.strip()[:2000])


def set_link_targets(row: Translation, user: Any, *, targets: Mapping[str, str | None],
                     base_version: int) -> Translation:
    """Point links of this segment elsewhere in this language (placeholder number → href; empty or the source's
    own href: no override). The translation's text and state stay; the version is bumped like any write."""
    rights.require(rights.can_edit(user, row.lang), f"you have no rights to translate into {row.lang!r}")
    slots = links.link_slots(row.segment.tags)
    wanted = dict(row.link_targets or {})
    for n, href in targets.items():
        if n not in slots:
            raise InvalidInput(f"this segment has no link {{{n}}}")
        href = (href or "").strip()
        if not href or href == slots[n]:
            wanted.pop(n, None)
        else:
            wanted[n] = links.validate_href(href)
    old = dict(row.link_targets or {})
    if wanted == old:
        return row
    written = db.session.execute(
        update(Translation).where(Translation.id == row.id, Translation.version == base_version)
        .values(link_targets=wanted or None, version=Translation.version + 1, updated_at=utcnow(),
                updated_by_id=user.id)
        .returning(Translation.link_targets, Translation.version, Translation.updated_at)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if written is None:
        db.session.rollback()
        raise VersionConflict(db.session.get(Translation, row.id) or row, row.text)
    record("links", article_id=row.article_id, segment_id=row.segment_id, lang=row.lang, user_id=user.id,
           old_state=row.state, new_state=row.state, old_text=row.text, new_text=row.text,
           version=base_version + 1, old_links=old, new_links=wanted)
    _commit_keeping_loaded()
    for column, value in zip(("link_targets", "version", "updated_at"), written, strict=True):
        set_committed_value(row, column, value)
    return row


def history(segment_id: int, lang: str) -> list[Event]:
    return list(db.session.scalars(
        select(Event).filter_by(segment_id=segment_id, lang=lang).order_by(Event.created_at, Event.id)
    ))


def segments_for_review(article_id: int, lang: str) -> list[tuple[Segment, Translation]]:
    return [(segment, translation) for segment, translation in db.session.execute(
        select(Segment, Translation)
        .join(Translation, (Translation.segment_id == Segment.id) & (Translation.lang == lang))
        .where(Segment.article_id == article_id)
        .order_by(Segment.position)
    )]


def missing_tags(segment: Segment, text: str | None) -> list[str]:
    """The source's placeholders absent from ``text``, in source order (what approval would complain about)."""
    present = inline.placeholders(text or "")
    return [t for t in inline.placeholders(segment.source) if t not in present]


CLEAN_STATES = {State.TRANSLATED.value, State.DRAFT.value}


def is_clean(segment: Segment, row: Translation) -> bool:
    """Ready for a bulk approval: translated or drafted, with every placeholder of the source in place."""
    if row.state not in CLEAN_STATES or not (row.text or "").strip():
        return False
    try:
        check_text(segment, row.text or "", complete=True)
    except InvalidInput:
        return False
    return True


def approve_clean_in_block(article_id: int, lang: str, block_id: int, user: Any) -> tuple[int, int]:
    """Approve every clean segment of one block, each through ``approve`` at its current version.

    Returns (approved, skipped): skipped counts the segments that were not clean or that changed under us.
    """
    rights.require(rights.can_review(user, lang), f"you have no rights to approve {lang!r}")
    approved = skipped = 0
    for segment_id in _block_segment_ids(article_id, lang, block_id):
        row = get_translation(article_id, lang, segment_id)
        if not is_clean(row.segment, row):
            skipped += 1
            continue
        try:
            approve(row, user, base_version=row.version)
        except (VersionConflict, InvalidInput):
            skipped += 1
        else:
            approved += 1
    return approved, skipped


def _block_segment_ids(article_id: int, lang: str, block_id: int) -> list[int]:
    ids = [s.id for s, _t in segments_for_review(article_id, lang) if s.block_id == block_id]
    if not ids:
        raise NotFound(f"block {block_id} has no {lang!r} segments in this article")
    return ids


def send_back_block(article_id: int, lang: str, block_id: int, user: Any, note: str = "") -> tuple[int, int]:
    """Send back every segment of one block that can be sent back, each at its current version (a whole
    paragraph read wrong is sent back in one step). Returns (sent back, skipped)."""
    rights.require(rights.can_review(user, lang), f"you have no rights to review {lang!r}")
    sent = skipped = 0
    for segment_id in _block_segment_ids(article_id, lang, block_id):
        row = get_translation(article_id, lang, segment_id)
        if row.state not in SENDABLE_BACK:
            skipped += 1
            continue
        try:
            send_back(row, user, base_version=row.version, note=note)
        except (VersionConflict, InvalidInput):
            skipped += 1
        else:
            sent += 1
    return sent, skipped
