"""The recorded evidence survives the database, on SQLite and PostgreSQL
(docs/adr/0013-evidence-a-regulator-accepts.md): offers with channel, offerer, answer and
contact note; clinical exceptions with the author's role and a late flag; referrals with
the outside provider and appointment; the member's later date and a withdrawal; and the
reports built from them (survey rate, evidence documents) read the same back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from sql_support import LA, Region, at, initial_request

from parity.domain.care import CareRequest, Channel, OfferResponse, RequestStatus
from parity.domain.users import Principal, Role
from parity.services.booking import BookRequest, book_request
from parity.services.compliance_report import build_report
from parity.services.evidence_trail import evidence_documents
from parity.services.offers import AnswerOffer, MakeOffer, answer_offer, make_offer
from parity.services.reporting import Period
from parity.services.requests import (
    PreferLater,
    RecordClinicalException,
    ReferOutOfNetwork,
    WithdrawRequest,
    open_request,
    prefer_later_date,
    record_clinical_exception,
    refer_out_of_network,
    withdraw_request,
)

WINDOW = Period(date(2026, 5, 25), date(2026, 6, 29))


def _ask(region: Region, member: str) -> CareRequest:
    return open_request(initial_request(member), region.uow, region.clock, region.policy)


def _ana_slot(region: Region, day: date, hour: int) -> int:
    start = at(day, hour)
    with region.uow:
        slots = region.uow.slots.for_clinician("ana", start, start + timedelta(minutes=1))
    assert len(slots) == 1
    return slots[0].id


def test_an_offer_and_its_recorded_answer_read_back(region: Region) -> None:
    request = _ask(region, "m1")
    slot = _ana_slot(region, date(2026, 6, 3), 9)
    made = make_offer(
        MakeOffer(request.id, slot, "sam", Channel.SMS), region.uow, region.clock, region.policy
    )
    region.clock.advance(timedelta(minutes=30))
    note = "called back 12:40; prefers an evening"
    cmd = AnswerOffer(
        made.id, False, Principal("sam", Role.SCHEDULER, clinic_ids=("north",)), Channel.PHONE, note
    )
    answer_offer(cmd, region.uow, region.clock, region.policy)
    with region.uow:
        kept = region.uow.offers.get(made.id)
    assert (kept.channel, kept.offered_by, kept.offered_at) == (Channel.SMS, "sam", made.offered_at)
    assert (kept.response, kept.response_channel, kept.response_note) == (
        OfferResponse.DECLINED,
        Channel.PHONE,
        note,
    )
    assert kept.responded_at == region.clock.now()


def test_a_clinical_exception_keeps_its_author_role_and_late_flag(region: Region) -> None:
    ana = Principal("dr.ana", Role.THERAPIST, clinician_id="ana")
    cmd = replace(initial_request("m2"), preferred_clinician_id="ana")
    request = open_request(cmd, region.uow, region.clock, region.policy)
    region.clock.set(request.deadline + timedelta(hours=1))
    until = datetime(2026, 6, 26, 23, 59, 59, tzinfo=LA)
    found = record_clinical_exception(
        RecordClinicalException(request.id, ana, "stable", until), region.uow, region.clock
    )
    with region.uow:
        kept = region.uow.clinical_exceptions.get(found.id)
        after = region.uow.requests.get(request.id)
    assert (kept.author, kept.author_role, kept.clinician_id, kept.late) == (
        "dr.ana",
        "therapist",
        "ana",
        True,
    )
    assert after.extended_deadline is None, "a late determination does not move the deadline"


def test_a_referral_preference_and_withdrawal_read_back(region: Region) -> None:
    referred = _ask(region, "m3")
    outside = datetime(2026, 6, 9, 15, tzinfo=LA)
    refer_out_of_network(
        ReferOutOfNetwork(referred.id, "no capacity", "sam", "Valley Counselling", outside),
        region.uow,
        region.clock,
    )
    preferring = _ask(region, "m4")
    later = datetime(2026, 6, 16, 8, tzinfo=LA)
    prefer_later_date(
        PreferLater(preferring.id, later, Principal("m4-login", Role.MEMBER, "m4")),
        region.uow,
        region.clock,
    )
    withdrawing = _ask(region, "m5")
    withdraw_request(
        WithdrawRequest(withdrawing.id, Principal("m5-login", Role.MEMBER, "m5")),
        region.uow,
        region.clock,
    )
    with region.uow:
        (referral,) = region.uow.referrals.where(request_id=referred.id)
        chose = region.uow.requests.get(preferring.id)
        gone = region.uow.requests.get(withdrawing.id)
    assert (referral.made_by, referral.outside_provider, referral.appointment_at) == (
        "sam",
        "Valley Counselling",
        outside,
    )
    assert referral.arranged_in_time is True
    assert referral.in_network_cost_sharing is True
    assert (chose.member_preferred_from, chose.preference_recorded_by) == (later, "m4-login")
    assert (gone.status, gone.withdrawn_by) == (RequestStatus.WITHDRAWN, "m5-login")


def test_the_report_reads_both_rates_and_the_evidence_from_the_database(region: Region) -> None:
    request = _ask(region, "m6")
    book_request(
        BookRequest(request.id, None, "m6-login", Channel.PORTAL),
        region.uow,
        region.clock,
        region.policy,
    )
    now = region.clock.now() + timedelta(days=20)
    report = build_report(region.uow, region.policy, WINDOW, now)
    assert report.calendar == "california-state-offices"
    # One survey date in the window (Monday 2026-06-01, 10:00): both classes answered.
    assert {(r.year, r.appointment_class) for r in report.survey} == {
        (2026, "urgent"),
        (2026, "non-urgent"),
    }
    (doc,) = evidence_documents(region.uow, region.policy, WINDOW, now)
    assert doc["outcome"] == "within-standard"
    assert doc["offers"][0]["recorded_by"] == "m6-login"
    assert doc["legal_deadline"].endswith("-07:00")
