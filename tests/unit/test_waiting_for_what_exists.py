"""A waitlist preference names what exists (docs/adr/0011, twelfth round): a clinician or
clinic that is not in the plan would be waited for until the sweep referred the request, so
it is refused when given, and nothing joins the waitlist. The command line says a mistyped
weekday in words, not Python's ("tuple.index(x): x not in tuple")."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner
from unit_support import Region
from waitlist_support import ask, switch_on

from parity.domain.errors import InvalidInput
from parity.domain.waitlist import Preferences
from parity.entrypoints.cli.app import app
from parity.services.waitlist import JoinWaitlist, join_waitlist


@pytest.mark.parametrize(
    ("wanted", "said"),
    [
        (Preferences(clinician_id="nobody"), "no clinician 'nobody'"),
        (Preferences(clinic_id="atlantis"), "no clinic 'atlantis'"),
    ],
)
def test_a_preference_for_what_does_not_exist_is_refused(
    region: Region, wanted: Preferences, said: str
) -> None:
    on = switch_on(region)
    request = ask(on, "b1")
    with pytest.raises(InvalidInput, match=said):
        join_waitlist(JoinWaitlist(request.id, wanted), on.uow, on.clock)
    assert on.uow.waitlist.where(request_id=request.id) == []


def test_a_preference_for_a_real_clinician_and_clinic_joins(region: Region) -> None:
    on = switch_on(region)
    request = ask(on, "b1")
    wanted = Preferences(clinician_id="ana", clinic_id="north")
    entry = join_waitlist(JoinWaitlist(request.id, wanted), on.uow, on.clock)
    assert entry.preferences == wanted


def test_the_command_line_names_a_mistyped_weekday() -> None:
    """Refused before any database is opened (the address below names none)."""
    result = CliRunner().invoke(
        app,
        ["waitlist", "join", "1", "--weekday", "funday"],
        env={"PARITY_DATABASE_URL": "postgresql://nobody@192.0.2.1:1/none"},
    )
    assert result.exit_code == 2
    assert "'funday' is not a weekday" in " ".join(result.output.split())
