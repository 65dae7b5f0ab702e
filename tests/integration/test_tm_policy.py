"""Per-language auto-approval of exact TM matches, through a real worker: exact, in_context and off."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import fake_translation, import_sample

pytestmark = [pytest.mark.integration, pytest.mark.worker]


def sample_sources() -> tuple[Any, list[str]]:
    """The sample article, imported without target languages, and its segment sources in order."""
    article = import_sample([])
    return article, [s.source for s in article.segments]


def remember(sources: list[str], position: int, *, context: str = "same", origin: str = "approved") -> str:
    """A committed TM unit for the sample's segment at ``position``; context "same", "other" or "none"."""
    from service.extensions import db
    from service.translation.memory import TMUnit, unit_hash

    def neighbour(offset: int) -> str | None:
        index = position + offset
        if context == "none" or not 0 <= index < len(sources):
            return None
        return unit_hash(sources[index] if context == "same" else f"Another sentence {index}.")

    target = fake_translation(sources[position], 100 + position)
    db.session.add(TMUnit(source_lang="en", target_lang="ru", source=sources[position], target=target,
                          source_hash=unit_hash(sources[position]), prev_hash=neighbour(-1),
                          next_hash=neighbour(+1), origin=origin))
    db.session.commit()
    return target


def translate_with_worker(article: Any) -> dict[int, Any]:
    """Queue the article for Russian (the batches go to the real worker) and wait until nothing is queued."""
    from service.extensions import db
    from service.translation.models import Translation
    from service.translation.pipeline import request_languages

    request_languages(article, ["ru"])
    db.session.commit()  # the batches leave after the commit
    deadline = time.monotonic() + 90
    while True:
        db.session.commit()  # a new snapshot: see what the worker committed
        queued = db.session.scalar(select(func.count()).where(Translation.article_id == article.id,
                                                               Translation.state == "queued"))
        if queued == 0:
            break
        assert time.monotonic() < deadline, f"{queued} segments still queued"
        time.sleep(0.2)
    rows = db.session.scalars(select(Translation).filter_by(article_id=article.id, lang="ru")).all()
    return {row.segment.position: row for row in rows}


def events(article_id: int, action: str) -> dict[int, Any]:
    from service.articles.models import Segment
    from service.extensions import db
    from service.history import Event

    rows = db.session.execute(select(Segment.position, Event).join(Segment, Segment.id == Event.segment_id)
                              .where(Event.article_id == article_id, Event.action == action)).all()
    return {position: event for position, event in rows}


def test_exact_policy_approves_every_exact_match_without_qa_errors(committed: Any, worker: Any) -> None:
    from service.extensions import db
    from service.translation import tm_policy
    from service.translation.memory import TMUnit, unit_hash

    article, sources = sample_sources()
    in_context = remember(sources, 0)
    out_of_context = remember(sources, 2, context="other")
    from_tmx = remember(sources, 4, context="none", origin="tmx")
    # A memory target that lost the source's number: QA reports an error, so it must stay a draft.
    with_number = next(i for i, s in enumerate(sources) if i > 5 and re.search(r"\d", s))
    db.session.add(TMUnit(source_lang="en", target_lang="ru", source=sources[with_number], target="Без чисел.",
                          source_hash=unit_hash(sources[with_number]), origin="approved"))
    tm_policy.set_auto_approve("ru", "exact")

    rows = translate_with_worker(article)
    for position, text in ((0, in_context), (2, out_of_context), (4, from_tmx)):
        row = rows[position]
        assert (row.state, row.origin, row.text, row.engine) == ("approved", "tm", text, None), position
    assert (rows[with_number].state, rows[with_number].origin) == ("draft", "tm")
    others = [row for position, row in rows.items() if position not in (0, 2, 4, with_number)]
    assert others and all(row.state == "draft" and row.origin == "mt" for row in others)

    approved = events(article.id, "auto_approve")
    assert set(approved) == {0, 2, 4}
    assert approved[0].data["auto_approved_by"] == "tm_policy:exact" and approved[0].data["origin"] == "tm"
    assert approved[0].data["tm_match"] == "in_context" and approved[2].data["tm_match"] == "exact"
    assert approved[0].new_state == "approved" and approved[0].user_id is None
    assert with_number in events(article.id, "draft") and with_number not in approved


def test_in_context_policy_approves_only_matches_with_the_same_neighbours(committed: Any, worker: Any) -> None:
    from service.translation import tm_policy

    article, sources = sample_sources()
    same = remember(sources, 1)
    last = remember(sources, len(sources) - 1)  # the last segment: no next neighbour on either side
    other = remember(sources, 3, context="other")
    tmx = remember(sources, 5, context="none", origin="tmx")
    tm_policy.set_auto_approve("ru", "in_context")

    rows = translate_with_worker(article)
    assert (rows[1].state, rows[1].origin, rows[1].text) == ("approved", "tm", same)
    assert (rows[len(sources) - 1].state, rows[len(sources) - 1].text) == ("approved", last)
    assert (rows[3].state, rows[3].origin, rows[3].text) == ("draft", "tm", other)
    assert (rows[5].state, rows[5].origin, rows[5].text) == ("draft", "tm", tmx)  # TMX units carry no context
    approved = events(article.id, "auto_approve")
    assert set(approved) == {1, len(sources) - 1}
    assert approved[1].data["auto_approved_by"] == "tm_policy:in_context"
    drafts = events(article.id, "draft")
    assert drafts[3].data["tm_match"] == "exact" and "auto_approved_by" not in drafts[3].data


@pytest.mark.parametrize("policy", [None, "off"])
def test_off_policy_leaves_every_match_a_draft(committed: Any, worker: Any, policy: str | None) -> None:
    from service.translation import tm_policy

    article, sources = sample_sources()
    targets = {0: remember(sources, 0), 2: remember(sources, 2, context="other")}
    if policy:
        tm_policy.set_auto_approve("ru", policy)
    assert tm_policy.auto_approve("ru") is tm_policy.AutoApprove.OFF

    rows = translate_with_worker(article)
    for position, text in targets.items():
        assert (rows[position].state, rows[position].origin, rows[position].text) == ("draft", "tm", text)
    assert not any(row.state == "approved" for row in rows.values())
    assert events(article.id, "auto_approve") == {}
    assert events(article.id, "draft")[0].data["tm_match"] == "in_context"


def test_policy_changes_are_validated_and_recorded(db: Any) -> None:
    from service.errors import InvalidInput
    from service.history import Event
    from service.translation import tm_policy

    assert tm_policy.auto_approve("kk") is tm_policy.AutoApprove.OFF
    tm_policy.set_auto_approve("KK", "Exact")
    tm_policy.set_auto_approve("kk", "in_context")
    assert tm_policy.auto_approve("kk") is tm_policy.AutoApprove.IN_CONTEXT
    assert [(p.lang, p.auto_approve) for p in tm_policy.policies()] == [("kk", "in_context")]
    changes = db.session.scalars(select(Event).filter_by(action="tm_policy", lang="kk").order_by(Event.id)).all()
    assert [(e.data["old_auto_approve"], e.data["auto_approve"]) for e in changes] == [
        ("off", "exact"), ("exact", "in_context")]
    with pytest.raises(InvalidInput, match="unknown auto-approve policy"):
        tm_policy.set_auto_approve("kk", "always")
    with pytest.raises(InvalidInput, match="unknown language"):
        tm_policy.set_auto_approve("xx-nowhere", "exact")
    assert tm_policy.auto_approve("kk") is tm_policy.AutoApprove.IN_CONTEXT
