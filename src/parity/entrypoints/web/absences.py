"""PTO and admin time from a clinician's week, with no silent harm: an absence over booked
visits first lists them and asks to confirm; on confirmation each member is offered a
timely slot through the waitlist, and the notice names them. Standing absences can be
changed or removed (docs/adr/0016-pages-for-each-role.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response

from parity.domain import ids
from parity.domain.care import Appointment
from parity.domain.errors import ParityError
from parity.domain.schedule import AvailabilityException, ExceptionKind
from parity.domain.scope import MemberScope
from parity.entrypoints.api.context import ApiContext
from parity.entrypoints.security.scope import caller_scope
from parity.entrypoints.web import forms
from parity.entrypoints.web.formatting import Formats
from parity.entrypoints.web.forms import Field
from parity.entrypoints.web.page import formats, refusal
from parity.entrypoints.web.routing import PageRoute
from parity.entrypoints.web.week import WeekForm, week_page
from parity.services.absences import (
    AbsenceChange,
    Rebooking,
    change_absence,
    check_timing,
    record_absence,
    remove_absence,
    visits_under,
)

router = APIRouter(route_class=PageRoute)

# A notice rides in a cookie after a plain-HTML post: name this many visits, count the rest.
NAMED_AT_MOST = 12


@dataclass(frozen=True)
class PendingAbsence:
    """An absence waiting for confirmation: its form values and the booked visits (with
    their members' names) it would cancel."""

    values: dict[str, str]
    visits: list[tuple[Appointment, str]]


@dataclass(frozen=True)
class AbsenceForm:
    clinician_id: str
    start: str
    end: str
    reason: str
    kind: str
    absence: str

    def laid(self, context: ApiContext) -> AvailabilityException:
        tz = context.policy.rules.timezone
        return AvailabilityException(
            self.clinician_id,
            forms.choice(ExceptionKind, self.kind or "pto", "kind"),
            forms.local_moment(self.start, "from", tz),
            forms.local_moment(self.end, "until", tz),
            self.reason.strip(),
        )

    def values(self) -> dict[str, str]:
        return {
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
            "kind": self.kind,
            "absence": self.absence,
        }


@router.post("/clinicians/{clinician_id}/pto")
def absence(
    post: WeekForm,
    start: Field = "",
    end: Field = "",
    reason: Field = "",
    kind: Field = "pto",
    absence: Field = "",
    remove: Field = "",
    confirmed: Field = "",
) -> Response:
    """Record, change (`absence` names it) or remove (`remove`) PTO or admin time. Over
    booked visits and without `confirmed`, the page lists them and asks first."""
    context, clinician_id = post.context, post.clinician_id
    given = AbsenceForm(clinician_id, start, end, reason, kind, absence)
    form = "absences" if absence else "pto"
    if remove:
        return post.act(form, _removal(given, context))
    try:
        laid = given.laid(context)
        changing = ids.number(absence, "absence") if absence else None
        check_timing(laid, changing, context.uow_factory(), context.clock)
        at_risk = (
            []
            if confirmed
            else visits_under(
                clinician_id,
                laid.start,
                laid.end,
                context.uow_factory(),
                scope=caller_scope(post.request),
            )
        )
    except ParityError as error:
        return post.again([refusal(error, form)], error.http_status, given.values())
    if at_risk:
        pending = PendingAbsence(given.values(), at_risk)
        extra = {"pending": pending}
        return week_page(post.request, context, post.seen, clinician_id, post.when, extra=extra)
    return post.act(form, _laying(given, laid, context, caller_scope(post.request)), given.values())


def _laying(
    given: AbsenceForm, laid: AvailabilityException, context: ApiContext, scope: MemberScope
) -> Callable[[], str]:
    def action() -> str:
        uow, policy, clock = context.uow_factory(), context.policy, context.clock
        if given.absence:
            which = ids.number(given.absence, "absence")
            change = change_absence(which, laid, uow, policy, clock, scope=scope)
            return told(change, formats(context), "changed to")
        recorded = record_absence(laid, uow, policy, clock, scope=scope)
        return told(recorded, formats(context), "recorded")

    return action


def _removal(given: AbsenceForm, context: ApiContext) -> Callable[[], str]:
    def action() -> str:
        which = ids.number(given.absence, "absence")
        change = remove_absence(
            which, given.clinician_id, context.uow_factory(), context.policy, context.clock
        )
        return told(change, formats(context), "removed:")

    return action


def told(change: AbsenceChange, fmt: Formats, verb: str) -> str:
    """The notice: what was recorded, every member whose visit it cancelled and the offer
    made to each, and the slots given back to the waitlist."""
    a = change.absence
    label = "PTO" if a.kind is ExceptionKind.PTO else "Admin time"
    parts = [f"{label} {verb} {fmt.when(a.start)} to {fmt.when(a.end)}."]
    if change.rebooked:
        named = [_rebooked_text(r, fmt, change.waitlist_on) for r in change.rebooked]
        more = len(named) - NAMED_AT_MOST
        listed = "; ".join(named[:NAMED_AT_MOST]) + (f"; and {more} more" if more > 0 else "")
        count = len(change.rebooked)
        parts.append(
            f"{count} booked visit{'s' if count != 1 else ''} cancelled by the clinic: {listed}."
        )
    if change.freed_offers:
        parts.append(f"{len(change.freed_offers)} freed slot(s) offered to the waitlist.")
    return " ".join(parts)


def _rebooked_text(rebooked: Rebooking, fmt: Formats, waitlist_on: bool) -> str:
    visit = f"{rebooked.member_name} ({fmt.when(rebooked.visit.start)})"
    if not waitlist_on:
        return f"{visit}: back in the work queue with the original deadline, to rebook"
    if rebooked.offer is None:
        return f"{visit}: no timely slot is free now, first on the waitlist with the deadline kept"
    return f"{visit}: offered {fmt.when(rebooked.offer.slot_start)} with {rebooked.offered_with}"
