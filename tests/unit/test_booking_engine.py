"""The booking engine, driven through the services on the in-memory unit of work.

The region (tests/unit/conftest.py) is small enough to name every slot by hand:

* ana, therapist at north, English and Spanish, every modality:
  Mon 08-13 IPC, Tue follow-ups 09:00 / 09:50 / 10:40, Wed intakes 09:00 / 10:00 / 11:00.
* ben, therapist (social worker) at south, English, in person or video:
  Mon intakes 09:00 / 10:00 / 11:00, Mon follow-ups 13:00 / 13:50 / 14:40, Thu 08-13 IPC.
* cy, psychiatrist at 0.5 FTE, English, in person or video:
  Fri 08:00-10:30 IPC, Fri intakes 13:00 / 14:00 at south.

Three weeks are laid, from Monday 2026-06-01; the clock starts on Sunday 2026-05-31 at
noon, so an initial-therapy request made then is due by Friday 2026-06-12 23:59:59 PDT
(business days 1-5: Jun 1-5; 6-10: Jun 8-12).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parity.domain.care import (
    AppointmentStatus,
    CareRequest,
    Offer,
    OfferResponse,
    RequestStatus,
)
from parity.domain.errors import (
    DeadlineUnreachable,
    InvalidInput,
    InvalidTransition,
    SlotMismatch,
    SlotUnavailable,
)
from parity.domain.schedule import Slot
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, book_in, book_request
from parity.services.proposals import find_proposals
from parity.services.requests import RequestCare, open_request

LA = ZoneInfo("America/Los_Angeles")
FIRST_DAY = date(2026, 6, 1)
LAST_DAY = date(2026, 6, 21)
INITIAL_DEADLINE = datetime(2026, 6, 12, 23, 59, 59, tzinfo=LA)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LA)


def ask(
    region,
    *,
    member: str = "m1",
    visit: VisitType = VisitType.INITIAL,
    provider_class: ProviderClass = ProviderClass.THERAPIST,
    language: str = "english",
    modalities: tuple[Modality, ...] = (Modality.IN_PERSON,),
    clinic: str = "north",
    **extra,
) -> CareRequest:
    cmd = RequestCare(member, visit, provider_class, language, modalities, clinic, **extra)
    return open_request(cmd, region.uow, region.clock, region.policy)


def book(region, request: CareRequest, slot_id: int | None = None, by: str = "member"):
    cmd = BookRequest(request.id, slot_id, by)
    return book_request(cmd, region.uow, region.clock, region.policy)


def all_slots(region) -> list[Slot]:
    start, end = at(FIRST_DAY, 0), at(LAST_DAY + timedelta(days=1), 0)
    found: list[Slot] = []
    for clinician in region.uow.clinicians.list():
        found += region.uow.slots.for_clinician(clinician.id, start, end)
    return found


def slot_at(region, clinician_id: str, start: datetime) -> Slot:
    matching = [s for s in all_slots(region) if s.clinician_id == clinician_id and s.start == start]
    assert len(matching) == 1, f"expected one slot of {clinician_id} at {start}"
    return matching[0]


def appointment_of(region, decision):
    assert decision.appointment_id is not None, decision
    return region.uow.appointments.get(decision.appointment_id)


def free_slot_count(region) -> int:
    return len(region.uow.slots.index)


def snapshot(region) -> tuple[int, int, int, int]:
    uow = region.uow
    return (
        len(uow.appointments.list()),
        len(uow.offers.list()),
        len(uow.referrals.list()),
        free_slot_count(region),
    )


# -- the region is what the docstring says --------------------------------------------------


def test_the_region_lays_the_templates_by_hand(region) -> None:
    ana_wednesday = [s.start for s in all_slots(region) if s.clinician_id == "ana"]
    assert at(date(2026, 6, 3), 9) in ana_wednesday
    assert at(date(2026, 6, 2), 10, 40) in ana_wednesday
    # Cy's Friday intakes exist on Jun 5, 12 and 19 (Juneteenth is not a state-office
    # closure: see data/calendars/california-state.toml).
    cy = sorted(s.start for s in all_slots(region) if s.clinician_id == "cy")
    assert cy == [at(date(2026, 6, d), h) for d in (5, 12, 19) for h in (13, 14)]


# -- booking the earliest timely slot -------------------------------------------------------


def test_it_books_the_earliest_timely_slot(region) -> None:
    request = ask(region)
    # What a scan of every free slot says: an in-person intake at north with a therapist
    # who speaks English. Ben's earlier Monday intakes are at south.
    candidates = [
        s
        for s in all_slots(region)
        if s.kind.value == "intake"
        and s.clinic_id == "north"
        and region.uow.clinicians.get(s.clinician_id).provider_class is ProviderClass.THERAPIST
        and s.start <= request.deadline
    ]
    expected = min(candidates, key=lambda s: (s.start, s.id))
    assert expected.start == at(date(2026, 6, 3), 9)

    decision = book(region, request)

    assert decision.action == "booked"
    assert decision.slot_id == expected.id
    appointment = appointment_of(region, decision)
    assert appointment.clinician_id == "ana"
    assert appointment.start == at(date(2026, 6, 3), 9)
    assert appointment.modality is Modality.IN_PERSON
    assert request.status is RequestStatus.BOOKED
    assert decision.deadline == INITIAL_DEADLINE
    assert decision.timely is True


def test_the_next_request_gets_the_next_slot(region) -> None:
    first = book(region, ask(region, member="m1"))
    second = book(region, ask(region, member="m2"))
    assert appointment_of(region, first).start == at(date(2026, 6, 3), 9)
    assert appointment_of(region, second).start == at(date(2026, 6, 3), 10)


def test_a_video_visit_may_be_with_a_clinician_at_another_clinic(region) -> None:
    decision = book(region, ask(region, modalities=(Modality.VIDEO,)))
    appointment = appointment_of(region, decision)
    assert appointment.clinician_id == "ben"
    assert appointment.start == at(FIRST_DAY, 9)
    assert appointment.modality is Modality.VIDEO


def test_a_phone_visit_goes_to_a_clinician_who_takes_phone_calls(region) -> None:
    # Ben (earliest, Monday) does not do phone visits; Ana does, on Wednesday.
    decision = book(region, ask(region, modalities=(Modality.PHONE,)))
    appointment = appointment_of(region, decision)
    assert appointment.clinician_id == "ana"
    assert appointment.modality is Modality.PHONE


def test_a_spanish_speaker_is_booked_with_a_spanish_speaking_clinician(region) -> None:
    decision = book(
        region, ask(region, language="spanish", modalities=(Modality.VIDEO,), clinic="south")
    )
    appointment = appointment_of(region, decision)
    assert appointment.clinician_id == "ana"
    assert appointment.start == at(date(2026, 6, 3), 9)


def test_a_psychiatry_request_goes_to_a_psychiatrist(region) -> None:
    request = ask(region, provider_class=ProviderClass.PSYCHIATRIST, clinic="south")
    assert request.standard == "initial-psychiatry"
    appointment = appointment_of(region, book(region, request))
    assert appointment.clinician_id == "cy"
    assert appointment.start == at(date(2026, 6, 5), 13)


# -- follow-ups and continuity of care ------------------------------------------------------


def follow_up(region, prior: datetime, preferred: str | None, **extra) -> CareRequest:
    return ask(
        region,
        visit=VisitType.FOLLOW_UP,
        prior_appointment_start=prior,
        preferred_clinician_id=preferred,
        **extra,
    )


def test_a_follow_ups_clock_starts_at_the_prior_appointment(region) -> None:
    # Prior visit Tue 05-26: 1-3 May 27-29, 4-8 Jun 1-5, 9 Mon Jun 8, 10 Tue Jun 9.
    request = follow_up(region, at(date(2026, 5, 26), 9), "ana", modalities=(Modality.VIDEO,))
    assert request.standard == "follow-up-therapy"
    assert request.clock_start == at(date(2026, 5, 26), 9)
    assert request.deadline == datetime(2026, 6, 9, 23, 59, 59, tzinfo=LA)


def test_a_follow_up_goes_to_the_same_clinician_when_they_have_a_timely_slot(region) -> None:
    # Ben's Monday 13:00 follow-up is earlier, but Ana's Tuesday 09:00 is timely too.
    request = follow_up(region, at(date(2026, 5, 26), 9), "ana", modalities=(Modality.VIDEO,))
    decision = book(region, request)
    appointment = appointment_of(region, decision)
    assert appointment.clinician_id == "ana"
    assert appointment.start == at(date(2026, 6, 2), 9)
    assert decision.explanation.considered["same_clinician"] == decision.slot_id


def test_without_a_preferred_clinician_a_follow_up_takes_the_earliest_slot(region) -> None:
    request = follow_up(region, at(date(2026, 5, 26), 9), None, modalities=(Modality.VIDEO,))
    appointment = appointment_of(region, book(region, request))
    assert appointment.clinician_id == "ben"
    assert appointment.start == at(FIRST_DAY, 13)


def test_a_follow_up_goes_to_another_clinician_when_the_same_one_has_no_timely_slot(
    region,
) -> None:
    # Prior visit Fri 05-15: 1-5 May 18-22, (Memorial Day), 6-9 May 26-29, 10 Mon Jun 1.
    # Ana's first follow-up is Tuesday Jun 2, too late; Ben has Monday 13:00.
    request = follow_up(region, at(date(2026, 5, 15), 9), "ana", modalities=(Modality.VIDEO,))
    assert request.deadline == datetime(2026, 6, 1, 23, 59, 59, tzinfo=LA)
    decision = book(region, request)
    appointment = appointment_of(region, decision)
    assert appointment.clinician_id == "ben"
    assert appointment.start == at(FIRST_DAY, 13)
    assert decision.explanation.considered["same_clinician"] is None


def test_a_follow_up_leaves_a_preferred_clinician_who_does_not_speak_the_language(
    region,
) -> None:
    # Ben would be the same clinician, but the member asks for Spanish: Ana it is.
    request = follow_up(
        region, at(date(2026, 5, 26), 9), "ben", language="spanish", modalities=(Modality.VIDEO,)
    )
    appointment = appointment_of(region, book(region, request))
    assert appointment.clinician_id == "ana"


def test_a_follow_up_needs_the_prior_appointment(region) -> None:
    with pytest.raises(InvalidInput, match="prior appointment"):
        ask(region, visit=VisitType.FOLLOW_UP)


def test_continuity_never_overrides_the_members_modality(region) -> None:
    request = follow_up(region, at(date(2026, 5, 26), 9), "ben", modalities=(Modality.PHONE,))
    appointment = appointment_of(region, book(region, request))
    assert appointment.clinician_id == "ana"
    assert appointment.modality is Modality.PHONE


def test_continuity_never_moves_an_in_person_visit_to_another_clinic(region) -> None:
    request = follow_up(region, at(date(2026, 5, 26), 9), "ben", modalities=(Modality.IN_PERSON,))
    appointment = appointment_of(region, book(region, request))
    assert appointment.clinic_id == "north"


# -- referral when nothing is timely ------------------------------------------------------


def test_when_nothing_is_timely_it_refers_out_of_network(region) -> None:
    # Nobody speaks Spanish at south in person.
    request = ask(region, language="spanish", clinic="south")
    before = snapshot(region)
    decision = book(region, request)
    assert decision.action == "referred"
    assert decision.appointment_id is None
    assert decision.slot_id is None
    assert "considered" in decision.explanation.as_dict()
    assert request.status is RequestStatus.REFERRED
    assert region.uow.appointments.where(request_id=request.id) == []
    referrals = region.uow.referrals.where(request_id=request.id)
    assert [r.id for r in referrals] == [decision.referral_id]
    assert referrals[0].deadline == request.deadline
    assert referrals[0].created_at == region.clock.now()
    # Nothing was taken or offered on the way.
    assert snapshot(region)[0:2] == before[0:2]
    assert snapshot(region)[3] == before[3]


def test_it_refers_rather_than_booking_late(region) -> None:
    # The member cannot come before Thursday Jun 11: Ana's Wednesday Jun 10 intakes are
    # out, and her next ones (Jun 17) are after the Jun 12 deadline.
    request = ask(region, not_before=at(date(2026, 6, 11), 0))
    decision = book(region, request)
    assert decision.action == "referred"
    assert region.uow.appointments.where(request_id=request.id) == []


def test_a_referred_request_cannot_be_booked_again(region) -> None:
    request = ask(region, language="spanish", clinic="south")
    book(region, request)
    with pytest.raises(InvalidTransition):
        book(region, request)


# -- booking a chosen slot ----------------------------------------------------------------


def test_it_refuses_a_chosen_slot_after_the_deadline(region) -> None:
    request = ask(region)
    late = slot_at(region, "ana", at(date(2026, 6, 17), 9))
    before = snapshot(region)
    with pytest.raises(DeadlineUnreachable):
        book(region, request, late.id)
    assert snapshot(region) == before
    assert request.status is RequestStatus.OPEN


def test_a_late_slot_may_be_booked_once_the_member_declined_a_timely_offer(region) -> None:
    request = ask(region)
    timely = slot_at(region, "ana", at(date(2026, 6, 3), 9))
    late = slot_at(region, "ana", at(date(2026, 6, 17), 9))
    with region.uow:
        region.uow.offers.add(
            Offer(
                request.id,
                timely.id,
                "ana",
                timely.start,
                region.clock.now(),
                True,
                OfferResponse.DECLINED,
                "member",
                region.clock.now(),
            )
        )
        region.uow.commit()
    decision = book(region, request, late.id)
    assert appointment_of(region, decision).start == late.start
    offers = region.uow.offers.where(request_id=request.id)
    assert [(o.slot_id, o.timely, o.response) for o in offers] == [
        (timely.id, True, OfferResponse.DECLINED),
        (late.id, False, OfferResponse.ACCEPTED),
    ]
    assert decision.timely is False


def test_a_declined_late_offer_does_not_license_a_late_booking(region) -> None:
    request = ask(region)
    late = slot_at(region, "ana", at(date(2026, 6, 17), 9))
    later = slot_at(region, "ana", at(date(2026, 6, 17), 10))
    with region.uow:
        region.uow.offers.add(
            Offer(
                request.id,
                late.id,
                "ana",
                late.start,
                region.clock.now(),
                False,
                OfferResponse.DECLINED,
                "member",
                region.clock.now(),
            )
        )
        region.uow.commit()
    with pytest.raises(DeadlineUnreachable):
        book(region, request, later.id)


def test_it_refuses_a_chosen_slot_of_the_wrong_kind(region) -> None:
    request = ask(region)
    follow_up_slot = slot_at(region, "ana", at(date(2026, 6, 2), 9))
    with pytest.raises(SlotMismatch):
        book(region, request, follow_up_slot.id)


def test_it_refuses_a_chosen_slot_with_a_clinician_who_does_not_match(region) -> None:
    request = ask(region, language="spanish", modalities=(Modality.VIDEO,))
    ben_intake = slot_at(region, "ben", at(FIRST_DAY, 9))
    with pytest.raises(SlotMismatch):
        book(region, request, ben_intake.id)


def test_it_refuses_to_book_a_slot_that_has_already_started(region) -> None:
    region.clock.set(at(date(2026, 6, 3), 12))
    request = ask(region)
    past = slot_at(region, "ana", at(date(2026, 6, 3), 9))
    with pytest.raises(SlotUnavailable):
        book(region, request, past.id)
    assert region.uow.offers.where(request_id=request.id) == []
    assert past.id in region.uow.slots.index


def test_it_refuses_a_chosen_slot_inside_the_minimum_notice(region) -> None:
    region.clock.set(at(date(2026, 6, 3), 8, 30))
    request = ask(region)
    too_soon = slot_at(region, "ana", at(date(2026, 6, 3), 10))
    with pytest.raises(SlotUnavailable):
        book(region, request, too_soon.id)
    enough_notice = slot_at(region, "ana", at(date(2026, 6, 3), 11))
    assert appointment_of(region, book(region, request, enough_notice.id)).start == at(
        date(2026, 6, 3), 11
    )


def test_it_never_proposes_or_books_a_slot_without_the_minimum_notice(region) -> None:
    # At 08:30 on Wednesday, with two hours' notice, 09:00 and 10:00 are too soon.
    assert region.policy.min_notice == timedelta(hours=2)
    region.clock.set(at(date(2026, 6, 3), 8, 30))
    request = ask(region)
    proposals = find_proposals(request.id, region.uow, region.clock, region.policy)
    assert proposals
    assert min(p.slot.start for p in proposals) == at(date(2026, 6, 3), 11)
    appointment = appointment_of(region, book(region, request))
    assert appointment.start == at(date(2026, 6, 3), 11)


# -- offers, double booking and rollback --------------------------------------------------


def test_every_booking_records_the_offer_as_evidence(region) -> None:
    request = ask(region)
    decision = book(region, request, by="scheduler:kim")
    offers = region.uow.offers.where(request_id=request.id)
    assert len(offers) == 1
    offer = offers[0]
    appointment = appointment_of(region, decision)
    assert offer.slot_id == appointment.slot_id == decision.slot_id
    assert offer.slot_start == appointment.start
    assert offer.offered_at == region.clock.now()
    assert offer.response is OfferResponse.ACCEPTED
    assert offer.responded_by == "scheduler:kim"
    assert offer.timely is True


def test_a_slot_can_never_be_booked_twice(region) -> None:
    first = ask(region, member="m1")
    second = ask(region, member="m2")
    slot = slot_at(region, "ana", at(date(2026, 6, 3), 9))
    book(region, first, slot.id)
    with pytest.raises(SlotUnavailable):
        book(region, second, slot.id)
    assert [a.request_id for a in region.uow.appointments.where(slot_id=slot.id)] == [first.id]
    assert second.status is RequestStatus.OPEN


def test_a_booked_slot_leaves_the_index(region) -> None:
    before = free_slot_count(region)
    decision = book(region, ask(region))
    assert free_slot_count(region) == before - 1
    assert decision.slot_id not in region.uow.slots.index


def book_both_in_one_transaction(region, first, second, slot_id: int, seen: list) -> None:
    """Book two requests into one slot inside a single transaction; the second must fail."""
    with region.uow:
        book_in(BookRequest(first.id, slot_id), region.uow, region.clock, region.policy)
        seen.append(snapshot(region))
        book_in(BookRequest(second.id, slot_id), region.uow, region.clock, region.policy)
        region.uow.commit()


def test_a_failed_booking_leaves_nothing_behind(region) -> None:
    first = ask(region, member="m1")
    second = ask(region, member="m2")
    slot = slot_at(region, "ana", at(date(2026, 6, 3), 9))
    before = snapshot(region)
    # The second booking fails, so the whole transaction is undone, the first included.
    midway: list = []
    with pytest.raises(SlotUnavailable):
        book_both_in_one_transaction(region, first, second, slot.id, midway)
    assert len(midway) == 1
    assert midway[0] != before  # the first booking really happened...
    assert snapshot(region) == before  # ...and was undone
    assert slot.id in region.uow.slots.index
    assert slot.status.value == "free"


def test_a_rolled_back_booking_leaves_the_request_open(region) -> None:
    first = ask(region, member="m1")
    second = ask(region, member="m2")
    slot = slot_at(region, "ana", at(date(2026, 6, 3), 9))
    with pytest.raises(SlotUnavailable):
        book_both_in_one_transaction(region, first, second, slot.id, [])
    assert first.status is RequestStatus.OPEN


def test_a_booked_appointment_starts_booked(region) -> None:
    appointment = appointment_of(region, book(region, ask(region)))
    assert appointment.status is AppointmentStatus.BOOKED
    assert appointment.booked_at == region.clock.now()


# -- the invariant: never book protected time --------------------------------------------

request_kinds = st.sampled_from(
    [
        (VisitType.INITIAL, ProviderClass.THERAPIST),
        (VisitType.INITIAL, ProviderClass.PSYCHIATRIST),
        (VisitType.URGENT, ProviderClass.THERAPIST),
        (VisitType.FOLLOW_UP, ProviderClass.THERAPIST),
    ]
)
random_requests = st.tuples(
    request_kinds,
    st.sampled_from(["english", "spanish"]),
    st.lists(st.sampled_from(list(Modality)), min_size=1, max_size=3, unique=True),
    st.sampled_from(["north", "south"]),
    st.sampled_from([None, "ana", "ben", "cy"]),
    st.integers(0, 10 * 24),  # hours the clock moves on before the request
    st.integers(1, 15),  # days before the request that a follow-up's prior visit was
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(random_requests, min_size=1, max_size=25))
def test_it_never_books_into_protected_time(make_region, requests) -> None:
    region = make_region()
    booked_slots: list[int] = []
    for (visit, provider_class), language, modalities, clinic, preferred, wait, prior in requests:
        region.clock.advance(timedelta(hours=wait))
        now = region.clock.now()
        extra = {}
        if visit is VisitType.FOLLOW_UP:
            extra = {"prior_appointment_start": now - timedelta(days=prior)}
        request = ask(
            region,
            visit=visit,
            provider_class=provider_class,
            language=language,
            modalities=tuple(modalities),
            clinic=clinic,
            preferred_clinician_id=preferred if visit is VisitType.FOLLOW_UP else None,
            **extra,
        )
        decision = book(region, request)
        if decision.action == "booked":
            booked_slots.append(decision.slot_id)
            appointment = appointment_of(region, decision)
            assert appointment.start <= request.effective_deadline
            assert appointment.start >= now + region.policy.min_notice
        else:
            assert request.status is RequestStatus.REFERRED
    assert len(booked_slots) == len(set(booked_slots))
    for appointment in region.uow.appointments.list():
        clash = region.uow.protected.overlapping(
            appointment.clinician_id, appointment.start, appointment.end
        )
        assert clash == [], (appointment, clash)
