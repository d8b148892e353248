"""Law cases, round nineteen, through the database: the stories of
tests/unit/law_round19.py (each with the rule its outcome comes from) told through the real
services on SQLite and PostgreSQL, and read back from the report's rows
(docs/adr/0013-evidence-a-regulator-accepts.md, 2026-12-08). What is stored and read back
(UTC instants, the exception's author and role, an answer's time, the referral) must give
the same outcome as in memory."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sql_support import Region

# The story table lives beside the unit tests' oracle, which it uses.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from law_oracle import at
from law_round19 import LONG_AFTER, SCHEDULER, STORIES, Story

from parity.adapters.clock import SimulatedClock
from parity.domain.care import Channel
from parity.domain.compliance import Outcome
from parity.services.offers import AnswerOffer, MakeOffer, answer_offer, make_offer
from parity.services.reporting import Period, evidence_rows


def _slot_ids(region: Region) -> Iterator[int]:
    """Stored slots for the stories' offers and visits (the foreign keys need real ones)."""
    with region.uow:
        slots = region.uow.slots.for_clinician("ana", at("2026-06-01 00:00"), LONG_AFTER)
    return iter(sorted(s.id for s in slots))


@pytest.mark.parametrize(
    ("told", "expected"), [s[1:] for s in STORIES], ids=[s[0] for s in STORIES]
)
def test_each_story_counts_as_the_rule_says_in_the_database(
    region: Region, told: Callable[[Story], None], expected: Outcome
) -> None:
    story = Story(region.uow, region.policy, _slot_ids(region))
    told(story)
    assert story.row().outcome is expected


@pytest.mark.parametrize(
    ("refused_at", "expected"),
    [("2026-06-03 10:00", Outcome.MEMBER_DECLINED), ("2026-06-03 11:30", Outcome.LATE)],
    ids=["before the time began", "after the time began"],
)
def test_a_refusal_recorded_after_the_offered_time_began_is_no_refusal(
    region: Region, refused_at: str, expected: Outcome
) -> None:
    """28 CCR §1300.67.2.2(c)(5): a timely offer declined is compliant because the member
    turned down a time they could have had; a refusal first recorded once that time had
    begun is judged as an offer left unanswered, and a phone offer has no delivered message
    (ADR 0013, 2026-12-08). Offered Wed 06-03 08:30 for ana's 11:00 intake."""
    uow, policy = region.uow, region.policy
    request = Story(uow, policy, _slot_ids(region)).open()
    with uow:
        slots = uow.slots.for_clinician("ana", at("2026-06-03 11:00"), at("2026-06-03 11:30"))
    (slot,) = [s for s in slots if s.start == at("2026-06-03 11:00")]
    made = make_offer(
        MakeOffer(request.id, slot.id, "sam", Channel.PHONE),
        uow,
        SimulatedClock(at("2026-06-03 08:30")),
        policy,
    )
    answer = AnswerOffer(made.id, False, SCHEDULER, Channel.PHONE, "member phoned: not 11:00")
    answer_offer(answer, uow, SimulatedClock(at(refused_at)), policy)
    rows = evidence_rows(uow, policy, Period(date(2026, 6, 1), date(2026, 7, 1)), LONG_AFTER)
    (row,) = [r for r in rows if r.request_id == request.id]
    assert row.outcome is expected
