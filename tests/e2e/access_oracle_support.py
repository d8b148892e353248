"""What the access oracle needs: the demo region in a SQL database with records for several
members, each role's caller, and — computed with plain SQL, never through Parity's own
scope code — the members a caller may see and a snapshot of everyone else's records
(docs/adr/0012-authorisation-where-the-data-is-touched.md)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import FIRST_WEEK, MEMBERS, NOW, auth_headers, matches, parameters
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from parity.adapters.clock import SimulatedClock
from parity.adapters.rules_files import load_contract, load_region, load_rules
from parity.adapters.sql import SqlUnitOfWork, engine_from_url, upgrade
from parity.domain.users import Principal, Role
from parity.entrypoints.api import create_app
from parity.services.policy import Policy
from parity.services.schedules import materialise, register_clinician, register_clinics
from parity.simulation.region import build_region

WEEKS = 2


@dataclass
class Records:
    """Ids of real records, by member, for the generator to aim at."""

    requests: dict[str, list[str]] = field(default_factory=dict)
    appointments: dict[str, list[str]] = field(default_factory=dict)
    offers: dict[str, list[str]] = field(default_factory=dict)
    proposals: dict[str, list[str]] = field(default_factory=dict)
    slots: list[str] = field(default_factory=list)
    clinicians: dict[str, str] = field(default_factory=dict)  # member -> their therapist


def build_app(engine: Engine, policy: Policy) -> FastAPI:
    uow = SqlUnitOfWork(engine)
    synthetic = build_region(load_region("demo"), policy.contract, scale=1.0, seed=7)
    register_clinics(synthetic.clinics, uow)
    for clinician, template in zip(synthetic.clinicians, synthetic.templates, strict=True):
        register_clinician(clinician, template, uow, policy)
    materialise(uow, policy, FIRST_WEEK, WEEKS)
    with uow:
        for member in MEMBERS:
            uow.members.add(member)
        uow.commit()
    return create_app(lambda: SqlUnitOfWork(engine), policy, SimulatedClock(NOW))


def _find(client: TestClient, member: str) -> list[dict[str, Any]]:
    body = parameters(patient_reference=f"Patient/{member}")
    answer = client.post("/Appointment/$find", json=body)
    assert answer.status_code == 200, answer.text
    return matches(answer.json(), "Appointment")


def seed(app: FastAPI) -> Records:
    """As an admin, for each member: a booked visit, and an open request with an offer."""
    found = Records()
    with TestClient(app, headers=auth_headers(app)) as client:
        for member in ("ada", "bo", "cruz", "dee"):
            first = _find(client, member)
            booked = client.post("/Appointment/$book", json=parameters(appt_id=first[0]["id"]))
            assert booked.status_code == 200, booked.text
            visit = booked.json()["entry"][0]["resource"]
            second = _find(client, member)
            request = second[0]["basedOn"][0]["reference"]
            slot = second[0]["slot"][0]["reference"]
            offer = client.post(f"/{request}/$offer", json=parameters(slot=slot, channel="phone"))
            assert offer.status_code == 200, offer.text
            found.requests[member] = [
                visit["basedOn"][0]["reference"].split("/")[1],
                request.split("/")[1],
            ]
            found.appointments[member] = [visit["id"]]
            found.offers[member] = [offer.json()["id"]]
            found.proposals[member] = [p["id"] for p in second[1:3]]
            found.slots += [p["slot"][0]["reference"].split("/")[1] for p in second[3:5]]
            therapist = visit["participant"][1]["actor"]["reference"].split("/")[1]
            found.clinicians[member] = therapist
    return found


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role
    member: str | None = None
    clinician: str | None = None
    clinics: tuple[str, ...] = ()

    def principal(self) -> Principal:
        return Principal(
            f"oracle-{self.name}", self.role, self.member, self.clinician, self.clinics
        )


def callers(records: Records) -> list[Caller]:
    return [
        Caller("member-ada", Role.MEMBER, member="ada"),
        Caller("member-bo", Role.MEMBER, member="bo"),
        Caller("therapist", Role.THERAPIST, clinician=records.clinicians["ada"]),
        Caller("scheduler-san-diego", Role.SCHEDULER, clinics=("san-diego",)),
        Caller("scheduler-fontana", Role.SCHEDULER, clinics=("fontana",)),
        Caller("manager", Role.MANAGER),
        Caller("auditor", Role.AUDITOR),
        Caller("admin", Role.ADMIN),
    ]


# -- the oracle: plain SQL over the tables, independent of parity.domain.scope -------------

PATIENTS_OF = """
SELECT member_id FROM appointments WHERE clinician_id = :c
UNION SELECT member_id FROM courses WHERE clinician_id = :c
"""


def visible(engine: Engine, caller: Caller) -> set[str]:
    """The members whose identity the caller may receive."""
    with engine.connect() as db:
        everyone = set(db.execute(text("SELECT id FROM members")).scalars())
        if caller.role in (Role.ADMIN, Role.MANAGER, Role.AUDITOR):
            return everyone
        if caller.role is Role.MEMBER:
            return {caller.member or ""}
        if caller.role is Role.THERAPIST:
            return set(db.execute(text(PATIENTS_OF), {"c": caller.clinician}).scalars())
        clinics = ", ".join(f"'{c}'" for c in caller.clinics)
        query = f"SELECT id FROM members WHERE clinic_id IN ({clinics})"
        return set(db.execute(text(query)).scalars())


SNAPSHOT = {
    "requests": "SELECT id, member_id, status, extended_deadline FROM care_requests",
    "appointments": "SELECT id, member_id, status FROM appointments",
    "offers": (
        "SELECT o.id, r.member_id, o.response FROM offers o "
        "JOIN care_requests r ON r.id = o.request_id"
    ),
    "exceptions": (
        "SELECT e.id, r.member_id FROM clinical_exceptions e "
        "JOIN care_requests r ON r.id = e.request_id"
    ),
    "referrals": "SELECT id, member_id FROM referrals",
    "waitlist": "SELECT id, member_id, status = 'removed' FROM waitlist_entries",
}


def others_records(engine: Engine, seen: set[str]) -> dict[str, set[tuple[Any, ...]]]:
    """Every record of a member the caller may not see (what no call of theirs may change)."""
    found: dict[str, set[tuple[Any, ...]]] = {}
    with engine.connect() as db:
        for name, query in SNAPSHOT.items():
            rows = db.execute(text(query)).all()
            found[name] = {tuple(str(v) for v in row) for row in rows if row[1] not in seen}
    return found


def names_of(engine: Engine) -> dict[str, str]:
    with engine.connect() as db:
        return dict(db.execute(text("SELECT id, name FROM members")).all())  # type: ignore[arg-type]


POSTGRES_URL = os.environ.get(
    "PARITY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def postgres_schema() -> Iterator[Engine]:
    """An engine on a fresh schema of the PostgreSQL test database, dropped afterwards; a
    skip with a loud reason when the server is unreachable, a failure when
    `PARITY_REQUIRE_POSTGRES=1` (as in CI)."""
    admin = engine_from_url(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.execute(text("SELECT 1"))
    except OperationalError:
        admin.dispose()
        if os.environ.get("PARITY_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (PARITY_REQUIRE_POSTGRES=1) but unreachable")
        pytest.skip("!!! PostgreSQL unreachable: the PostgreSQL half did NOT run")
    schema = f"parity_{secrets.token_hex(6)}"
    with admin.connect() as db:
        db.execute(text(f"CREATE SCHEMA {schema}"))
    base = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = engine_from_url(f"{base}?options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as db:
            db.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def served_on(database: str, folder: Path) -> Iterator[tuple[FastAPI, Engine]]:
    """The API (`build_app`, California's rules, the socal-2025 contract) on a fresh,
    migrated database: a SQLite file in `folder`, or (`"postgres"`) a schema of its own on
    the PostgreSQL test database, dropped afterwards."""
    engines = (
        iter([engine_from_url(f"sqlite:///{folder / 'parity.db'}")])
        if database == "sqlite"
        else postgres_schema()
    )
    engine = next(engines)
    try:
        upgrade(engine)
        yield build_app(engine, Policy(load_rules(), load_contract("socal-2025"))), engine
    finally:
        engine.dispose()
        for _ in engines:  # the schema's clean-up
            pass
