"""Every out-of-network referral names its cause, for the violation reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest
from unit_support import FIRST_WEEK, LOS_ANGELES, Region

from parity.domain.care import Cause
from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, book_request
from parity.services.requests import RequestCare, open_request
from parity.services.workforce import Departure, clinicians_leave


def _refer(region: Region, cmd: RequestCare) -> str:
    request = open_request(cmd, region.uow, region.clock, region.policy)
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert decision.action == "referred"
    ((referral),) = region.uow.referrals.where(request_id=request.id)
    assert referral.reason == decision.explanation.cause
    return str(decision.explanation.cause)


@pytest.mark.parametrize(
    ("language", "visit", "provider_class", "modalities", "clinic", "cause"),
    [
        # Nobody speaks Vietnamese; Ana's English video intakes were free: language.
        (
            "vietnamese",
            VisitType.INITIAL,
            ProviderClass.THERAPIST,
            (Modality.VIDEO,),
            "north",
            Cause.LANGUAGE,
        ),
        # Cy (the only psychiatrist) sees people in person or by video, never by phone.
        (
            "english",
            VisitType.INITIAL,
            ProviderClass.PSYCHIATRIST,
            (Modality.PHONE,),
            "north",
            Cause.MODALITY,
        ),
        # An urgent psychiatry visit within 48 h: Cy has nothing before Friday.
        (
            "english",
            VisitType.URGENT,
            ProviderClass.PSYCHIATRIST,
            tuple(Modality),
            "south",
            Cause.NO_CAPACITY,
        ),
    ],
)
def test_a_referral_names_the_constraint_that_bound(
    region: Region,
    language: str,
    visit: VisitType,
    provider_class: ProviderClass,
    modalities: tuple[Modality, ...],
    clinic: str,
    cause: str,
) -> None:
    cmd = RequestCare("m1", visit, provider_class, language, modalities, clinic)
    assert _refer(region, cmd) == cause


def _spanish_at_north(visit: VisitType = VisitType.INITIAL, **extra: object) -> RequestCare:
    # Only Ana speaks Spanish, and only Ana sees therapy members in person at north.
    return RequestCare(
        "m1",
        visit,
        ProviderClass.THERAPIST,
        "spanish",
        (Modality.IN_PERSON,),
        "north",
        **extra,  # type: ignore[arg-type]
    )


def _leaves(region: Region, clinician_id: str, effective: datetime) -> None:
    clinicians_leave(Departure((clinician_id,), effective), region.uow, region.clock)


def test_a_visit_cancelled_because_its_clinician_left_is_referred_as_clinician_left(
    region: Region,
) -> None:
    region.clock.set(datetime.combine(FIRST_WEEK, time(7), tzinfo=LOS_ANGELES))
    request = open_request(_spanish_at_north(), region.uow, region.clock, region.policy)
    booked = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert booked.action == "booked"
    _leaves(region, "ana", datetime.combine(FIRST_WEEK, time(8), tzinfo=LOS_ANGELES))
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert decision.explanation.cause == Cause.CLINICIAN_LEFT


def test_a_follow_up_whose_clinician_left_is_referred_as_clinician_left(region: Region) -> None:
    region.clock.set(datetime.combine(FIRST_WEEK, time(7), tzinfo=LOS_ANGELES))
    _leaves(region, "ana", datetime.combine(FIRST_WEEK, time(8), tzinfo=LOS_ANGELES))
    follow_up = _spanish_at_north(
        VisitType.FOLLOW_UP,
        preferred_clinician_id="ana",
        prior_appointment_start=datetime.combine(FIRST_WEEK, time(7), tzinfo=LOS_ANGELES),
    )
    assert _refer(region, follow_up) == Cause.CLINICIAN_LEFT


def test_a_clinician_on_the_payroll_has_no_end_date(region: Region) -> None:
    region.clock.set(datetime.combine(FIRST_WEEK, time(7), tzinfo=LOS_ANGELES))
    leaving = datetime.combine(FIRST_WEEK, time(8), tzinfo=LOS_ANGELES)
    _leaves(region, "ana", leaving)
    assert region.uow.clinicians.get("ana").leaves_at == leaving
    assert region.uow.clinicians.get("ben").leaves_at is None
    assert not region.uow.clinicians.get("ana").has_left_by(leaving - timedelta(seconds=1))


def test_an_end_date_saved_in_a_rolled_back_transaction_is_undone(region: Region) -> None:
    with region.uow:
        ana = region.uow.clinicians.get("ana")
        region.uow.clinicians.save(replace(ana, leaves_at=region.clock.now()))
        assert region.uow.clinicians.get("ana").leaves_at is not None
    assert region.uow.clinicians.get("ana").leaves_at is None
