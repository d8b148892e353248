"""Every later date the member gives is kept in the database, on SQLite and PostgreSQL
(docs/adr/0013-evidence-a-regulator-accepts.md, 2026-12-08; migration r0015): each date its
own row, read back in order with who, when, how and the note; the database refuses to change
or remove one; a date earlier than the one in force is taken; a refused date writes nothing;
and a request row written before r0015 gets one record copied from its own columns, no more.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sql_support import Region, at, initial_request
from sqlalchemy import Engine, bindparam, inspect, text
from sqlalchemy.exc import DatabaseError
from test_repositories import TUESDAY

from parity.adapters.clock import SimulatedClock
from parity.adapters.sql import SqlUnitOfWork, downgrade, engine_from_url, upgrade
from parity.adapters.sql.column_types import UtcDateTime
from parity.domain.care import Channel, LaterDate
from parity.domain.errors import InvalidInput, InvalidTransition, NotFound, ParityError
from parity.domain.users import Principal, Role
from parity.services.evidence_trail import evidence_documents
from parity.services.offers import MakeOffer, make_offer
from parity.services.policy import Policy
from parity.services.reporting import Period
from parity.services.requests import PreferLater, open_request, prefer_later_date

M1 = Principal("m1-login", Role.MEMBER, "m1")
M2 = Principal("m2-login", Role.MEMBER, "m2")
SAM = Principal("sam", Role.SCHEDULER, clinic_ids=("north",))
NOTE = "m1 phoned 10:05: the 10th is fine after all"
WINDOW = Period(date(2026, 5, 1), date(2026, 7, 1))


def _kept(region: Region, request_id: int) -> list[LaterDate]:
    with region.uow:
        return region.uow.later_dates.of([request_id]).get(request_id, [])


def _prefer(
    region: Region, request_id: int, start: datetime, by: Principal = M1, **word: object
) -> None:
    cmd = PreferLater(request_id, start, by, **word)  # type: ignore[arg-type]
    prefer_later_date(cmd, region.uow, region.clock)


def test_two_later_dates_read_back_in_order_with_who_when_and_how(region: Region) -> None:
    request = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    planned = request.not_before
    first_at = region.clock.now()
    first = at(date(2026, 6, 20), 9)
    _prefer(region, request.id, first)
    region.clock.advance(timedelta(hours=2))
    second_at = region.clock.now()
    second = at(date(2026, 6, 10), 9)  # moved earlier
    _prefer(region, request.id, second, SAM, channel=Channel.PHONE, note=NOTE)
    kept = _kept(region, request.id)
    assert [replace(g, id=0) for g in kept] == [
        LaterDate(request.id, first, first_at, "m1-login", Channel.PORTAL, ""),
        LaterDate(request.id, second, second_at, "sam", Channel.PHONE, NOTE),
    ]
    with region.uow:
        row = region.uow.requests.get(request.id)
    assert (row.member_preferred_from, row.preference_recorded_by) == (second, "sam")
    assert (row.planned_not_before, row.not_before) == (planned, max(planned, second))
    (doc,) = evidence_documents(region.uow, region.policy, WINDOW, region.clock.now())
    assert [(g["by"], g["channel"], g["in_force"]) for g in doc["later_dates"]] == [
        ("m1-login", "portal", False),
        ("sam", "phone", True),
    ]


def _offer(region: Region, request_id: int) -> None:
    start = at(date(2026, 6, 3), 9)
    with region.uow:
        slot = region.uow.slots.for_clinician("ana", start, start + timedelta(minutes=1))[0]
    make_offer(
        MakeOffer(request_id, slot.id, "sam", Channel.PHONE),
        region.uow,
        region.clock,
        region.policy,
    )


REFUSED = {
    "past": (timedelta(days=-1), M1, InvalidInput),
    "beyond the longest deferral": (timedelta(days=400), M1, InvalidInput),
    "another member's request": (timedelta(days=1), M2, NotFound),
    "an offer awaiting its answer": (timedelta(days=1), M1, InvalidTransition),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_later_date_writes_nothing(region: Region, case: str) -> None:
    request = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    _prefer(region, request.id, at(date(2026, 6, 2), 12))  # a date in force, before the offer
    if case == "an offer awaiting its answer":
        _offer(region, request.id)
    with region.uow:
        before = region.uow.requests.get(request.id)
    offset, who, refusal = REFUSED[case]
    with pytest.raises(ParityError) as refused:
        _prefer(region, request.id, region.clock.now() + offset, who)
    assert type(refused.value) is refusal
    assert len(_kept(region, request.id)) == 1
    with region.uow:
        assert region.uow.requests.get(request.id) == before


@pytest.mark.parametrize(
    "statement", ["UPDATE later_dates SET note = 'rewritten'", "DELETE FROM later_dates"]
)
def test_the_database_refuses_to_change_or_remove_a_later_date(
    region: Region, engine: Engine, statement: str
) -> None:
    request = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    _prefer(region, request.id, at(date(2026, 6, 20), 9), SAM, channel=Channel.PHONE, note=NOTE)
    with engine.connect() as connection, pytest.raises(DatabaseError, match="append-only"):
        connection.execute(text(statement))
    assert [g.note for g in _kept(region, request.id)] == [NOTE]


# -- migration r0015 ---------------------------------------------------------------------------


@pytest.fixture
def empty(database_url: str) -> Engine:
    return engine_from_url(database_url)


OLD_ROW = """INSERT INTO care_requests (member_id, visit, provider_class, language,
    modalities, clinic_id, requested_at, standard, clock_start, deadline, not_before,
    prior_authorization, status, member_preferred_from, preference_recorded_at,
    preference_recorded_by, preference_channel, preference_note)
    VALUES (:member, 'initial', 'therapist', 'english', '["video"]', 'north', :asked,
    'initial-therapy', :asked, :due, :start, false, 'open', :from, :told, :by, :via, :note)"""
ROWS = [
    # A later date recorded by staff, with its channel and note; one by the member before
    # r0014 (no channel); a request with no later date; and a date with no recording time.
    {"member": "m1", "from": 20, "told": 1, "by": "sam", "via": "phone", "note": NOTE},
    {"member": "m2", "from": 25, "told": 2, "by": "m2-login", "via": None, "note": ""},
    {"member": "m3", "from": None, "told": None, "by": None, "via": None, "note": ""},
    {"member": "m4", "from": 30, "told": None, "by": None, "via": None, "note": ""},
]


def _store_old_rows(engine: Engine, asked: datetime) -> None:
    def day(n: int | None) -> datetime | None:
        return None if n is None else asked + timedelta(days=n)

    names = ("asked", "due", "start", "from", "told")
    instants = [bindparam(n, type_=UtcDateTime) for n in names]
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO clinics (id, name, address, timezone, county, lat, lon) "
            "VALUES ('north', 'North', '1 North St.', 'America/Los_Angeles', 'LA', 0, 0)"
        ))  # fmt: skip
        for row in ROWS:
            values = {**row, "asked": asked, "due": asked + timedelta(days=14)}
            values |= {"from": day(row["from"]), "told": day(row["told"])}  # type: ignore[arg-type]
            values["start"] = values["from"] or asked  # as a later date left it
            connection.execute(text(OLD_ROW).bindparams(*instants), values)


def test_r0015_copies_each_recorded_later_date_from_its_row_and_nothing_else(
    empty: Engine, policy: Policy
) -> None:
    asked = at(TUESDAY, 9)
    upgrade(empty, "r0014")
    _store_old_rows(empty, asked)
    upgrade(empty)
    uow = SqlUnitOfWork(empty)
    with uow:
        requests = {r.member_id: r for r in uow.requests.list()}
        kept = uow.later_dates.of([r.id for r in requests.values()])
    m1, m2 = requests["m1"], requests["m2"]
    assert {key: [replace(g, id=0) for g in given] for key, given in kept.items()} == {
        m1.id: [
            LaterDate(
                m1.id,
                asked + timedelta(days=20),
                asked + timedelta(days=1),
                "sam",
                Channel.PHONE,
                NOTE,
            )
        ],
        m2.id: [
            LaterDate(
                m2.id, asked + timedelta(days=25), asked + timedelta(days=2), "m2-login", None, ""
            )
        ],
    }
    assert all(r.planned_not_before is None for r in requests.values())
    docs = {d["member"]: d for d in evidence_documents(uow, policy, WINDOW, asked)}
    assert [g["note"] for g in docs["m1"]["later_dates"]] == [NOTE]
    assert docs["m3"]["later_dates"] == []
    # No record for a date with no recording time: the row's own columns are all there is.
    assert docs["m4"]["later_dates"] == []
    empty.dispose()


def test_on_a_migrated_row_an_earlier_date_is_refused_and_a_later_one_kept(
    empty: Engine, policy: Policy
) -> None:
    """Before r0015 the earliest start the request had before its date was not kept: an
    earlier date would guess it, so it is refused; a later one is the second record."""
    asked = at(TUESDAY, 9)
    upgrade(empty, "r0014")
    _store_old_rows(empty, asked)
    upgrade(empty)
    uow, clock = SqlUnitOfWork(empty), SimulatedClock(asked + timedelta(days=3))
    with uow:
        (m1,) = uow.requests.where(member_id="m1")
    with pytest.raises(InvalidTransition):
        prefer_later_date(PreferLater(m1.id, asked + timedelta(days=10), M1), uow, clock)
    later = asked + timedelta(days=22)
    prefer_later_date(PreferLater(m1.id, later, M1), uow, clock)
    with uow:
        given = uow.later_dates.of([m1.id])[m1.id]
        row = uow.requests.get(m1.id)
    assert [g.preferred_from for g in given] == [asked + timedelta(days=20), later]
    assert row.not_before == later
    empty.dispose()


def test_r0015_goes_down_and_up_again(empty: Engine) -> None:
    """Down: the table and the column go, the request rows keep their latest date; up again,
    that date is copied once more."""
    asked = at(TUESDAY, 9)
    upgrade(empty, "r0014")
    _store_old_rows(empty, asked)
    upgrade(empty)
    downgrade(empty, "r0014")
    assert "later_dates" not in inspect(empty).get_table_names()
    columns = {c["name"] for c in inspect(empty).get_columns("care_requests")}
    assert "planned_not_before" not in columns
    with empty.connect() as connection:
        kept = connection.execute(
            text("SELECT count(*) FROM care_requests WHERE member_preferred_from IS NOT NULL")
        ).scalar()
    assert kept == 3
    upgrade(empty)
    with empty.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM later_dates")).scalar() == 2
    empty.dispose()
