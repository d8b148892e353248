"""The access oracle: for every member-data route and every role, generated requests aimed
at other members' records — their ids in paths, queries and bodies, written with leading
zeros, `+`, padding, Unicode digits, overlong, as absolute references and as repeated
parameters — never return an identifier or a name of a member outside the caller's scope
and never change a record of one. The scope and the snapshot of everyone else's records
are computed with plain SQL (access_oracle_support.py), on SQLite and on PostgreSQL
(docs/adr/0012-authorisation-where-the-data-is-touched.md)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from access_oracle_support import (
    Caller,
    Records,
    build_app,
    callers,
    names_of,
    others_records,
    postgres_schema,
    seed,
    visible,
)
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from parity.adapters.rules_files import load_contract, load_rules
from parity.adapters.sql import engine_from_url, upgrade
from parity.entrypoints.security import issue_token
from parity.entrypoints.security.matrix import API, PAGES
from parity.services.policy import Policy

# One staged region serves the whole module: its tests run in one test process
# (docs/adr/0019-two-test-processes.md).
pytestmark = pytest.mark.xdist_group("access-oracle")

EXAMPLES = int(os.environ.get("PARITY_ORACLE_EXAMPLES", "40"))
SKIPPED = {"/optimize/$apply", "/app/queue/optimizer/apply", "/optimize/$preview"}
ROUTES = sorted(
    (method, path)
    for (method, path), access in (API | PAGES).items()
    if access.record is not None and path not in SKIPPED
)
TINY_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
WIDE_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Stage:
    app: FastAPI
    engine: Engine
    records: Records
    names: dict[str, str]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def stage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stage]:
    tmp = tmp_path_factory.mktemp("oracle")
    engines = (
        iter([engine_from_url(f"sqlite:///{tmp / 'parity.db'}")])
        if request.param == "sqlite"
        else postgres_schema()
    )
    engine = next(engines)
    upgrade(engine)
    app = build_app(engine, Policy(load_rules(), load_contract("socal-2025")))
    yield Stage(app, engine, seed(app), names_of(engine))
    for _ in engines:  # run the generator's clean-up
        pass


# -- what the generator writes ------------------------------------------------------------


def spellings(key: str) -> st.SearchStrategy[str]:
    """The id as is, and the ways it has been written to slip past a check."""
    head, digits = re.match(r"^(\D*)(\d*)(.*)$", key).group(1, 2) if key else ("", "")  # type: ignore[union-attr]
    tail = key[len(head) + len(digits) :]
    forms = [key, f" {key}", f"{key} ", f"{key}%20", f"{key}%09", key + "/"]
    if digits:
        forms += [
            f"{head}0{digits}{tail}",
            f"{head}+{digits}{tail}",
            f"{head}{digits.translate(TINY_DIGITS)}{tail}",
            f"{head}{digits.translate(WIDE_DIGITS)}{tail}",
            f"{head}{digits}{'9' * 25}{tail}",
            f"{head}-{digits}{tail}",
        ]
    return st.sampled_from(forms)


def references(kind: str, key: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            f"{kind}/{key}",
            key,
            f"http://testserver/{kind}/{key}",
            f"https://evil.example/{kind}/{key}",
            f"{kind}/{key}/_history/1",
            f"{kind}/{key} ",
            f"Patient/{key}" if kind != "Patient" else f"Group/{key}",
        ]
    )


def pools(records: Records) -> dict[str, list[str]]:
    def every(found: dict[str, list[str]]) -> list[str]:
        return [k for keys in found.values() for k in keys]

    return {
        "request_id": every(records.requests),
        "appointment_id": every(records.appointments)
        + every(records.proposals)
        + ["hold-1", "hold-2"],
        "task_id": [*every(records.offers), "exception-1", "referral-1"],
        "offer_id": [o.removeprefix("offer-") for o in every(records.offers)],
        "patient_id": ["ada", "bo", "cruz", "dee", "eve"],
        "clinician_id": sorted(set(records.clinicians.values())),
        "slot": records.slots,
    }


def _path(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


@st.composite
def calls(draw: st.DrawFn, records: Records) -> tuple[str, str, dict[str, Any]]:
    """One request: a route, its path ids, query parameters and a body, all aimed around."""
    method, template = draw(st.sampled_from(ROUTES))
    pool = pools(records)
    values = {
        name: draw(st.sampled_from(pool[name]).flatmap(spellings))
        for name in re.findall(r"\{(\w+)\}", template)
        if name in pool
    }
    member = draw(st.sampled_from(pool["patient_id"]))
    other = draw(st.sampled_from(pool["patient_id"]))
    params: list[tuple[str, str]] = [
        ("patient", draw(references("Patient", member))),
        ("patient", draw(references("Patient", other))),
        ("_id", draw(spellings(member)) + "," + other),
        ("based-on", draw(references("ServiceRequest", draw(st.sampled_from(pool["request_id"]))))),
        ("practitioner", f"Practitioner/{draw(st.sampled_from(pool['clinician_id']))}"),
        ("status", "active"),
        (
            "date",
            draw(
                st.sampled_from(["ge2026-06-01", "ge99999-01-01", "lt0000-01-01", "ge2026-13-45"])
            ),
        ),
    ]
    query = draw(st.lists(st.sampled_from(params), max_size=4, unique=True))
    body = _body(draw, pool, template, member)
    return method, _path(template, values), {"params": query, **body}


def _body(
    draw: st.DrawFn, pool: dict[str, list[str]], template: str, member: str
) -> dict[str, Any]:
    if template.startswith("/app/"):
        request = draw(st.sampled_from(pool["request_id"]).flatmap(spellings))
        slot = draw(st.sampled_from(pool["slot"]).flatmap(spellings))
        form = {"slot": slot, "care_request": request, "answer": "decline", "reason": "oracle"}
        return {"data": form}
    appt = draw(st.sampled_from(pool["appointment_id"]))
    entries = [
        {"name": "patient-reference", "valueString": draw(references("Patient", member))},
        {"name": "appt-id", "valueString": draw(spellings(appt))},
        {"name": "patient-id", "valueString": draw(references("Patient", member))},
        {
            "name": "service-request",
            "valueString": draw(st.sampled_from(pool["request_id"]).flatmap(spellings)),
        },
        {"name": "cancelled-appt-id", "valueString": draw(st.sampled_from(pool["appointment_id"]))},
        {
            "name": "slot",
            "valueString": "Slot/" + draw(st.sampled_from(pool["slot"]).flatmap(spellings)),
        },
        {"name": "cancelled-by", "valueString": "member"},
        {"name": "answered-by", "valueString": "oracle"},
        {"name": "reason", "valueString": "oracle"},
        {"name": "author", "valueString": "Dr Oracle"},
        {
            "name": "extended-deadline",
            "valueString": draw(st.sampled_from(["2026-07-01", "99999-01-01"])),
        },
    ]
    chosen = draw(st.lists(st.sampled_from(entries), min_size=1, max_size=4))
    return {"json": {"resourceType": "Parameters", "parameter": chosen}}


# -- the property -------------------------------------------------------------------------


def _leaks(text_: str, hidden: set[str], names: dict[str, str], who: Caller) -> list[str]:
    found = [m for m in hidden if f'Patient/{m}"' in text_ or f"Patient/{m}<" in text_]
    found += [m for m in hidden if names[m] in text_]
    if who.name == "auditor":  # de-identified: no member's name, whoever they are
        found += [m for m, name in names.items() if name in text_]
    return sorted(set(found))


def _changed(before: dict[str, set[Any]], after: dict[str, set[Any]]) -> list[str]:
    wrong = [
        f"{name}: {sorted(before[name] - after[name])}"
        for name in before
        if before[name] - after[name]
    ]
    grown = ("requests", "appointments", "exceptions", "referrals", "waitlist")
    wrong += [
        f"new {name}: {sorted(after[name] - before[name])}"
        for name in grown
        if after[name] - before[name]
    ]
    return wrong


@pytest.mark.parametrize("caller_name", [c.name for c in callers(Records(clinicians={"ada": "c"}))])
def test_no_call_reveals_or_changes_a_member_outside_the_callers_scope(
    stage: Stage, caller_name: str
) -> None:
    who = next(c for c in callers(stage.records) if c.name == caller_name)
    headers = {"Authorization": f"Bearer {issue_token(stage.app, who.principal())}"}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(call=calls(stage.records))
    def check(call: tuple[str, str, dict[str, Any]]) -> None:
        method, path, extra = call
        seen = visible(stage.engine, who)
        hidden = set(stage.names) - seen
        before = others_records(stage.engine, seen)
        answer = client.request(method, path, headers=headers, follow_redirects=False, **extra)
        assert answer.status_code < 500, f"{method} {path} {extra}: {answer.text[:300]}"
        leaks = _leaks(answer.text, hidden, stage.names, who)
        assert not leaks, f"{who.name} {method} {path} {extra} revealed {leaks}"
        changed = _changed(before, others_records(stage.engine, seen))
        assert not changed, f"{who.name} {method} {path} {extra} changed {changed}"

    with TestClient(stage.app, raise_server_exceptions=False) as client:
        check()
