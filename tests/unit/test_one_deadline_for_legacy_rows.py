"""A row that claims prior authorisation but names nobody: one deadline everywhere.

The rule (H&S §1367.03(a)(5)(A)-(B); docs/adr/0013, 2026-12-07 evening): 96 hours for urgent
care rest on the plan's recorded determination; a row written before migration r0014 (or by
hand) that says "prior authorisation" with nobody on record is judged under the 48-hour
standard. The booking engine searches, checks and records by that same deadline
(docs/adr/0013, "2026-12-07 (late evening)"). Expected deadlines are counted by hand from the
clock start (`law_oracle.hour_deadline`); expected slots from the store's plain listing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from law_oracle import hour_deadline
from unit_support import Region

from parity.adapters import fhir
from parity.domain.care import CareRequest
from parity.domain.compliance import RequestEvidence
from parity.domain.errors import DeadlineUnreachable
from parity.domain.schedule import Slot, SlotStatus
from parity.domain.standards import VisitType
from parity.domain.users import Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.holds import HoldSlot, hold_slot
from parity.services.proposals import find_proposals
from parity.services.reporting import evidence_row
from parity.services.requests import RequestCare, open_request
from parity.services.slot_search import on_record

NURSE = Principal("um-nurse", Role.SCHEDULER)
MANY = 200


def _urgent(region: Region, legacy: bool) -> CareRequest:
    """An urgent therapy request by video with a determination by a nurse; `legacy`: the row
    as written before r0014, claiming prior authorisation with nobody on record."""
    cmd = RequestCare(
        "m1",
        VisitType.URGENT,
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        prior_authorization=True,
        prior_authorized_by=NURSE,
    )
    request = open_request(cmd, region.uow, region.clock, region.policy)
    if legacy:
        with region.uow:
            stored = region.uow.requests.get(request.id)
            stored.prior_authorization_by = None
            stored.prior_authorization_role = None
            stored.prior_authorization_at = None
            region.uow.requests.save(stored)
            region.uow.commit()
    assert request.deadline == hour_deadline(request.clock_start, 96)  # as stored
    return request


def _urgent_slots(region: Region, request: CareRequest) -> list[Slot]:
    kinds = region.policy.kinds_for(VisitType.URGENT)
    start = region.clock.now() + region.policy.min_notice
    with region.uow:
        found = [
            s
            for who in ("ana", "ben")
            for s in region.uow.slots.for_clinician(who, start, start + timedelta(days=10))
            if s.status is SlotStatus.FREE and s.kind in kinds
        ]
    return sorted(found, key=lambda s: (s.start, s.id))


def _between_48_and_96(region: Region, request: CareRequest) -> list[Slot]:
    start = request.clock_start
    return [
        s
        for s in _urgent_slots(region, request)
        if hour_deadline(start, 48) < s.start <= hour_deadline(start, 96)
    ]


@pytest.mark.parametrize(("legacy", "hours"), [(True, 48), (False, 96)], ids=["legacy", "recorded"])
def test_the_engine_proposes_up_to_the_deadline_every_figure_judges_by(
    region: Region, legacy: bool, hours: int
) -> None:
    request = _urgent(region, legacy)
    deadline = hour_deadline(request.clock_start, hours)
    assert _between_48_and_96(region, request)  # the premise: the two readings differ
    proposals = find_proposals(request.id, region.uow, region.clock, region.policy, MANY)
    expected = [s.id for s in _urgent_slots(region, request) if s.start <= deadline]
    assert sorted(p.slot.id for p in proposals) == sorted(expected)
    with region.uow:
        stored = region.uow.requests.get(request.id)
    evidence = RequestEvidence(stored, [], [], None, None)
    row = evidence_row(evidence, region.policy, region.clock.now())
    assert row.deadline == deadline


def test_a_legacy_row_cannot_be_held_or_booked_between_48_and_96_hours(region: Region) -> None:
    request = _urgent(region, legacy=True)
    later = _between_48_and_96(region, request)[0]
    with pytest.raises(DeadlineUnreachable):
        hold_slot(HoldSlot(request.id, later.id), region.uow, region.clock, region.policy)
    with pytest.raises(DeadlineUnreachable):
        book_request(BookRequest(request.id, later.id), region.uow, region.clock, region.policy)


def test_a_legacy_rows_booking_is_judged_by_48_hours(region: Region) -> None:
    request = _urgent(region, legacy=True)
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert decision.deadline == hour_deadline(request.clock_start, 48)


def test_the_service_request_shows_a_claim_nobody_is_on_record_for(region: Region) -> None:
    request = _urgent(region, legacy=True)
    with region.uow:
        stored = region.uow.requests.get(request.id)
    shown = fhir.service_request(stored, region.policy.rules, on_record(stored, region.policy))
    due = hour_deadline(request.clock_start, 48)
    assert datetime.fromisoformat(shown["occurrencePeriod"]["end"]) == due
    [determined] = [e for e in shown["extension"] if e["url"].endswith("/prior-authorization")]
    assert determined["extension"] == [
        {"url": "on-record", "valueBoolean": False},
        {"url": "applied", "valueBoolean": False},
    ]
