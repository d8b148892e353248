"""The simulator counts violations by the evidence definition (domain/compliance.py): a clinic
cancellation is a violation only without a prompt, timely re-offer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from parity.adapters.memory import MemoryUnitOfWork
from parity.adapters.rules_files import load_rules
from parity.domain.care import (
    Appointment,
    CancelledBy,
    CareRequest,
    Offer,
    OfferResponse,
)
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass
from parity.simulation.monthly import Month, record_access

RULES = load_rules()
REQUESTED = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # Monday 09:00 in Los Angeles
DEADLINE = datetime(2026, 6, 13, 6, 59, 59, tzinfo=UTC)  # ten business days: Fri 06-12 PDT
CANCELLED_AT = REQUESTED + timedelta(days=1)  # Tuesday 06-02
ONE_HOUR_LATER = CANCELLED_AT + timedelta(hours=1)
# Monday 06-08: a week after the cancellation, past a one-business-day re-offer window.
A_WEEK_LATER = CANCELLED_AT + timedelta(days=6)
END = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def _record(uow: MemoryUnitOfWork, number: int, reoffered_at: datetime) -> None:
    """A request whose first visit the clinic cancelled, re-offered at `reoffered_at` for a
    time before the deadline and booked."""
    request = CareRequest(
        f"m{number}",
        VisitType.INITIAL,
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "north",
        REQUESTED,
        "initial-therapy",
        REQUESTED,
        DEADLINE,
        REQUESTED,
        id=number,
    )
    first_slot, second_slot = 10 * number, 10 * number + 1
    first_start = REQUESTED + timedelta(days=3)
    second_start = DEADLINE - timedelta(days=1)
    offers = [
        Offer(number, first_slot, "ana", first_start, REQUESTED, True, OfferResponse.ACCEPTED),
        Offer(number, second_slot, "ana", second_start, reoffered_at, True, OfferResponse.ACCEPTED),
    ]
    visits = []
    for slot, start, booked in (
        (first_slot, first_start, REQUESTED),
        (second_slot, second_start, reoffered_at),
    ):
        visits.append(
            Appointment(
                number,
                f"m{number}",
                "ana",
                "north",
                slot,
                start,
                start + timedelta(minutes=50),
                VisitType.INITIAL,
                Modality.VIDEO,
                booked,
            )
        )
    visits[0].cancel(CancelledBy.CLINIC, CANCELLED_AT, "clinician unavailable")
    with uow:
        uow.requests.add(request)
        for offer in offers:
            uow.offers.add(offer)
        for visit in visits:
            uow.appointments.add(visit)
        uow.commit()


def test_a_clinic_cancellation_re_offered_late_in_the_window_is_a_violation_and_a_prompt_one_is_not() -> (
    None
):
    assert RULES.prompt_reschedule_business_days < 4  # the week-later re-offer is not prompt
    prompt, slow = MemoryUnitOfWork(), MemoryUnitOfWork()
    _record(prompt, 1, ONE_HOUR_LATER)
    _record(slow, 2, A_WEEK_LATER)
    counted = {}
    for name, uow in (("prompt", prompt), ("slow", slow)):
        months = {"2026-06": Month("2026-06")}
        record_access(uow, months, RULES, END)
        counted[name] = months["2026-06"].access["initial"]
    assert (counted["prompt"].decided, counted["prompt"].compliant) == (1, 1)
    assert counted["prompt"].violations == 0
    # Both new offers are for a time before the deadline; only promptness separates them.
    assert (counted["slow"].decided, counted["slow"].compliant) == (1, 0)
    assert counted["slow"].violations == 1
    assert date(2026, 6, 8) == A_WEEK_LATER.astimezone(RULES.timezone).date()
