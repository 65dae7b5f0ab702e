"""Segment states per target language and the moves people and workers may make between them."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    UNTRANSLATED = "untranslated"
    QUEUED = "queued"
    DRAFT = "draft"
    TRANSLATED = "translated"
    APPROVED = "approved"
    NEEDS_WORK = "needs_work"
    FAILED = "failed"
    STALE = "stale"


ALL_STATES: tuple[str, ...] = tuple(s.value for s in State)

# States a worker may fill with a machine draft (compare-and-set guards the exact one).
DRAFTABLE = {State.QUEUED}
# States a person's save can start from; saving makes the segment "translated".
EDITABLE = set(State) - {State.QUEUED}
# A reviewer approves translated work (or drafts/needs-work the reviewer corrected in place).
APPROVABLE = {State.DRAFT, State.TRANSLATED, State.NEEDS_WORK, State.APPROVED, State.STALE}
SENDABLE_BACK = {State.DRAFT, State.TRANSLATED, State.APPROVED, State.STALE}


class Origin(StrEnum):
    MT = "mt"
    TM = "tm"
    HUMAN = "human"
    IMPORT = "import"
