"""Every out-of-network referral names its cause, for the violation reports."""

from __future__ import annotations

import pytest
from unit_support import Region

from parity.domain.standards import VisitType
from parity.domain.workforce import Modality, ProviderClass
from parity.services.booking import BookRequest, Cause, book_request
from parity.services.requests import RequestCare, open_request


def _refer(region: Region, cmd: RequestCare) -> str:
    request = open_request(cmd, region.uow, region.clock, region.policy)
    decision = book_request(BookRequest(request.id), region.uow, region.clock, region.policy)
    assert decision.action == "referred"
    ((referral),) = region.uow.referrals.where(request_id=request.id)
    assert referral.reason == decision.explanation["cause"]
    return str(decision.explanation["cause"])


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
