"""Refusals in plain words, and findings opened from a dashboard row
(docs/adr/0016-pages-for-each-role.md)."""

from __future__ import annotations

from datetime import date

import pytest
from unit_support import Region
from waitlist_support import book

from parity.domain.errors import InvalidInput, InvalidTransition
from parity.domain.users import Principal, Role
from parity.entrypoints.web.refusals import explain
from parity.services.compliance_report import build_report
from parity.services.investigations import open_finding, window_of
from parity.services.reporting import Period


def _who(role: Role) -> Principal:
    return Principal(subject="pat", role=role)


def test_a_refused_action_names_the_role_and_who_can_do_it_without_the_route() -> None:
    said = explain(
        "forbidden",
        "a therapist may not POST /app/requests/{request_id}/book",
        _who(Role.THERAPIST),
        "/app/requests/7/book",
        "POST",
    )
    assert said.headline == "Your role (therapist) cannot do this, so nothing was changed."
    assert said.advice == "If it needs doing, a scheduler can book it."
    assert "POST" not in said.headline + said.advice


@pytest.mark.parametrize(
    ("path", "whom"),
    [
        ("/app/requests/7/prefer-later", "a scheduler can record the member's later date"),
        ("/app/requests/7/withdraw", "a scheduler can record the member's withdrawal"),
        (
            "/app/requests/7/prior-authorization",
            "a scheduler or the treating clinician can record it",
        ),
    ],
)
def test_a_refused_record_of_the_members_word_says_who_can_record_it(path: str, whom: str) -> None:
    said = explain("forbidden", "a clinic manager may not POST", _who(Role.MANAGER), path, "POST")
    assert said.advice == f"If it needs doing, {whom}."


def test_a_malformed_address_is_said_as_a_form_would() -> None:
    said = explain(
        "invalid-request", "request_id: Input should be a valid integer", None, "/app/requests/x"
    )
    assert (
        said.headline
        == "Parity could not read this address or form: request id should be a whole number."
    )


def test_a_closed_page_points_to_the_roles_own_pages() -> None:
    said = explain("forbidden", "", _who(Role.AUDITOR), "/app/queue")
    assert said.headline == "This page or record is not open to your role (auditor)."


def test_periods_read_back_as_windows() -> None:
    assert window_of("2026-05") == Period(date(2026, 5, 1), date(2026, 6, 1))
    assert window_of("2026-12") == Period(date(2026, 12, 1), date(2027, 1, 1))
    assert window_of("2026-05-04..2026-06-04") == Period(date(2026, 5, 4), date(2026, 6, 4))


def test_a_finding_from_a_row_is_measured_from_the_evidence_and_opened_once(region: Region) -> None:
    for n in range(1, 4):
        book(region, f"b{n}")  # three timely bookings at north: 100 % within standard
    window = Period(date(2026, 5, 25), date(2026, 6, 8))
    rows = build_report(region.uow, region.policy, window, region.clock.now()).rows
    found = open_finding(
        "north", "non-urgent", window, rows, region.uow, region.policy, region.clock
    )
    assert (found.value, found.period) == (1.0, "2026-05-25..2026-06-08")
    assert found.threshold == region.policy.rules.non_urgent_threshold
    with pytest.raises(InvalidTransition):
        open_finding("north", "non-urgent", window, rows, region.uow, region.policy, region.clock)
    with pytest.raises(InvalidInput):
        open_finding("south", "non-urgent", window, rows, region.uow, region.policy, region.clock)
