"""The member's acts and the plan's determinations survive the database, on SQLite and
PostgreSQL (docs/adr/0013, 2026-12-07 evening; migration r0014): the channel and contact note
of a later date and a withdrawal recorded by staff, who determined a prior authorisation;
and a row written before r0014 stays valid, with nothing inferred for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sql_support import LA, Region, at, initial_request
from sqlalchemy import Engine, bindparam, text
from test_repositories import TUESDAY

from parity.adapters.sql import SqlUnitOfWork, engine_from_url
from parity.adapters.sql.column_types import UtcDateTime
from parity.adapters.sql.schema import upgrade
from parity.domain.care import Channel, RequestStatus
from parity.domain.compliance import Outcome
from parity.domain.standards import VisitType
from parity.domain.users import Principal, Role
from parity.services.evidence_trail import evidence_documents
from parity.services.policy import Policy
from parity.services.reporting import Period
from parity.services.requests import (
    PreferLater,
    WithdrawRequest,
    open_request,
    prefer_later_date,
    withdraw_request,
)

NOTE = "member called 10:05 and asked for after the 16th"
SAM = Principal("sam", Role.SCHEDULER, clinic_ids=("north",))


def test_a_members_act_recorded_by_staff_reads_back_with_its_channel_and_note(
    region: Region,
) -> None:
    preferring = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    later = datetime(2026, 6, 16, 8, tzinfo=LA)
    cmd = PreferLater(preferring.id, later, SAM, Channel.PHONE, NOTE)
    prefer_later_date(cmd, region.uow, region.clock)
    leaving = open_request(initial_request("m2"), region.uow, region.clock, region.policy)
    withdraw_request(
        WithdrawRequest(leaving.id, Principal("m2-login", Role.MEMBER, "m2")),
        region.uow,
        region.clock,
    )  # the member, in the portal
    with region.uow:
        chose = region.uow.requests.get(preferring.id)
        gone = region.uow.requests.get(leaving.id)
    assert (chose.preference_recorded_by, chose.preference_channel, chose.preference_note) == (
        "sam",
        Channel.PHONE,
        NOTE,
    )
    assert (gone.status, gone.withdrawal_channel, gone.withdrawal_note) == (
        RequestStatus.WITHDRAWN,
        Channel.PORTAL,
        "",
    )


def test_a_prior_authorisation_reads_back_with_who_determined_it(region: Region) -> None:
    nurse = Principal("um-nurse", Role.SCHEDULER)
    cmd = replace(
        initial_request("m3"),
        visit=VisitType.URGENT,
        prior_authorization=True,
        prior_authorized_by=nurse,
    )
    made = open_request(cmd, region.uow, region.clock, region.policy)
    with region.uow:
        kept = region.uow.requests.get(made.id)
    assert (kept.standard, kept.deadline) == (
        "urgent-prior-auth",
        kept.clock_start + timedelta(hours=96),
    )
    assert (kept.prior_authorization_by, kept.prior_authorization_role) == ("um-nurse", "scheduler")
    assert kept.prior_authorization_at == region.clock.now()


@pytest.fixture
def empty(database_url: str) -> Engine:
    return engine_from_url(database_url)


OLD_ROW = """INSERT INTO care_requests (member_id, visit, provider_class, language,
    modalities, clinic_id, requested_at, standard, clock_start, deadline, not_before,
    prior_authorization, status, preference_recorded_at, preference_recorded_by,
    member_preferred_from)
    VALUES ('m1', 'urgent', 'therapist', 'english', '["video"]', 'north', :asked,
    'urgent-prior-auth', :asked, :due, :asked, true, 'open', :asked, 'sam', :later)"""


def test_a_row_written_before_r0014_stays_valid_and_infers_nothing(
    empty: Engine, policy: Policy
) -> None:
    """An urgent request stored with "prior authorisation" before who determined it was
    recorded: it reads back with no determination on record, and its figure is judged under
    the 48-hour standard; its later date shows no channel and no note."""
    asked = at(TUESDAY, 9)
    upgrade(empty, "r0013")
    instants = [bindparam(n, type_=UtcDateTime) for n in ("asked", "due", "later")]
    with empty.begin() as connection:
        connection.execute(text(
            "INSERT INTO clinics (id, name, address, timezone, county, lat, lon) "
            "VALUES ('north', 'North', '1 North St.', 'America/Los_Angeles', 'LA', 0, 0)"
        ))  # fmt: skip
        connection.execute(
            text(OLD_ROW).bindparams(*instants),
            {
                "asked": asked,
                "due": asked + timedelta(hours=96),
                "later": asked + timedelta(days=9),
            },
        )
    upgrade(empty)
    uow = SqlUnitOfWork(empty)
    with uow:
        (request,) = uow.requests.list()
    assert (request.prior_authorization, request.prior_authorization_by) == (True, None)
    assert (request.preference_channel, request.preference_note) == (None, "")
    window = Period(date(2026, 5, 1), date(2026, 7, 1))
    (doc,) = evidence_documents(uow, policy, window, asked + timedelta(days=30))
    assert doc["prior_authorization"] == {"by": None, "role": None, "at": None, "applied": False}
    assert doc["legal_deadline"] == (asked + timedelta(hours=48)).astimezone(LA).isoformat()
    assert doc["outcome"] == Outcome.LATE.value
    assert doc["preference_recorded"]["channel"] is None
    empty.dispose()
