"""The evidence of one request as an auditor reads it: every record, clinic-local times
with their offsets, the legal and extended deadlines, and a one-line verdict naming the
rule (docs/adr/0013-evidence-a-regulator-accepts.md).

Plain data (dicts of strings, numbers and lists), so the CSV, the JSON, the API and the
printable page all show the same thing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from parity.domain.care import (
    Appointment,
    CareRequest,
    Channel,
    ClinicalException,
    LaterDate,
    Offer,
    later_dates_on_record,
)
from parity.domain.compliance import (
    Outcome,
    RequestEvidence,
    allowed_deadline,
    counted_offers,
    referral_in_time,
)
from parity.domain.ports import UnitOfWork
from parity.services.policy import Policy
from parity.services.reporting import Period, Records, as_recorded, evidence_row

Doc = dict[str, Any]

VERDICTS = {
    Outcome.WITHIN_STANDARD: "Within standard: a timely appointment was offered",
    Outcome.EXCEPTION_DOCUMENTED: "Within the extended deadline of an in-time clinical exception",
    Outcome.MEMBER_DECLINED: "Compliant: the member declined a timely offer",
    Outcome.MEMBER_CANCELLED: "Compliant: the member cancelled",
    Outcome.MEMBER_PREFERENCE: "Compliant: the member chose a later date",
    Outcome.WITHDRAWN: "Not counted: the member withdrew the request before its deadline",
    Outcome.CLINIC_CANCELLED: "Violation: the clinic cancelled and no timely appointment was re-offered promptly",
    Outcome.LATE: "Violation: no timely appointment was offered",
    Outcome.REFERRED: "Referred out of network at in-network cost sharing; the outside appointment is not yet on record",
    Outcome.REFERRED_IN_TIME: "Compliant: referred out of network at in-network cost sharing, seen within the standard",
    Outcome.REFERRED_LATE: "Violation: referred out of network, but the outside appointment was later than the standard",
    Outcome.PENDING: "Pending: the deadline has not passed",
    Outcome.REPEAT: "Not counted apart: the member asked again for the same care while an "
    "earlier request waited; it counts once, as that request (its offers with it)",
}


def evidence_documents(uow: UnitOfWork, policy: Policy, window: Period, now: datetime) -> list[Doc]:
    """One document per care request made in the window, as of `now`."""
    start, end = window.instants(policy)
    with uow:
        every = uow.requests.list()
        records = Records.load(uow, every)
        found = sorted((r for r in every if start <= r.requested_at < end), key=lambda r: r.id)
        later = uow.later_dates.of([r.id for r in found])
        return [
            _document(records.evidence(r), policy, now, records, later.get(r.id, [])) for r in found
        ]


def evidence_document(uow: UnitOfWork, policy: Policy, request_id: int, now: datetime) -> Doc:
    with uow:
        records = Records.load(uow)
        request = uow.requests.get(request_id)
        later = uow.later_dates.of([request_id]).get(request_id, [])
        return _document(records.evidence(request), policy, now, records, later)


def _document(
    evidence: RequestEvidence,
    policy: Policy,
    now: datetime,
    records: Records,
    later: list[LaterDate],
) -> Doc:
    claimed = evidence.request  # as stored: what it says of prior authorisation
    evidence = as_recorded(evidence, policy)  # the standard the record supports
    rules, request = policy.rules, evidence.request
    local = _local(policy)
    row = evidence_row(evidence, policy, now)
    standard = rules.standard(request.standard)
    verdict = (
        f"{VERDICTS[row.outcome]} ({standard.title}: {standard.limit_text}; {standard.citation})"
    )
    prior = _prior(request.prior_appointment_id, records)
    counted = {c.id for c in counted_offers(evidence, now)}  # once, for every offer below
    allowed = allowed_deadline(evidence)
    doc: Doc = {
        "as_of": local(now),
        "calendar": rules.calendar.name,
        "request": request.id,
        "member": request.member_id,
        "standard": standard.name,
        "plan_policy": standard.plan_policy,
        "citation": standard.citation,
        "clinic": request.clinic_id,
        "provider_class": request.provider_class.value,
        "requested_at": local(request.requested_at),
        "clock_start": local(request.clock_start),
        "legal_deadline": local(request.deadline),
        # Only an extension the record supports (an in-time clinician's determination).
        "extended_deadline": local(_supported_extension(evidence)),
        "repeat_of": evidence.repeat_of,
        "prior_appointment": None if prior is None else _visit(prior, local),
        "exception": _exception(evidence.exception, local),
        "offers": [
            _offer(o, local, evidence, counted, allowed) for o in sorted(evidence.offers, key=_made)
        ],
        "appointments": [_visit(a, local) for a in evidence.appointments],
        "referral": _referral(evidence, local),
        "member_preferred_from": local(request.member_preferred_from),
        "preference_recorded": _said(
            request.preference_recorded_by,
            request.preference_recorded_at,
            request.preference_channel,
            request.preference_note,
            local,
        ),
        "later_dates": later_dates(request, later, local),
        "withdrawn": _said(
            request.withdrawn_by,
            request.withdrawn_at,
            request.withdrawal_channel,
            request.withdrawal_note,
            local,
        ),
        "prior_authorization": _authorization(claimed, local),
        "wait_business_days": row.wait_business_days,
        "outcome": row.outcome.value,
        "cause": row.cause,
        "verdict": verdict,
    }
    doc["timeline"] = timeline(doc)
    return doc


def _supported_extension(evidence: RequestEvidence) -> datetime | None:
    allowed = allowed_deadline(evidence)
    return allowed if allowed > evidence.request.deadline else None


def _made(offer: Offer) -> tuple[datetime, int]:
    return offer.offered_at, offer.id


def _local(policy: Policy) -> Any:
    tz = policy.rules.timezone

    def show(moment: datetime | None) -> str | None:
        """Clinic-local, with its UTC offset: 2026-06-17T23:59:59-07:00."""
        return None if moment is None else moment.astimezone(tz).isoformat(timespec="seconds")

    return show


def how_said(said: dict[str, Any]) -> tuple[str, str]:
    """A member's act as a document records it, in words: " via CHANNEL" and ": NOTE",
    each empty when not recorded."""
    via = f" via {said['channel']}" if said["channel"] else ""
    note = f": {said['note']}" if said["note"] else ""
    return via, note


def _said(
    who: str | None, when: datetime | None, channel: Channel | None, note: str, local: Any
) -> Doc | None:
    """The member's act as recorded: who wrote it down, when, the channel the member used
    and the contact note (None where the record keeps none: written before they were)."""
    if when is None:
        return None
    return {
        "by": who,
        "at": local(when),
        "channel": None if channel is None else channel.value,
        "note": note,
    }


def later_dates(request: CareRequest, kept: list[LaterDate], local: Any) -> list[Doc]:
    """Every later date the member gave, in the order recorded, each with who recorded it,
    when, the channel and the contact note; the last is the one in force (docs/adr/0013,
    2026-12-08; `later_dates_on_record`)."""
    given = later_dates_on_record(request, kept)
    return [
        {
            "preferred_from": local(g.preferred_from),
            "by": g.recorded_by,
            "at": local(g.recorded_at),
            "channel": None if g.channel is None else g.channel.value,
            "note": g.note,
            "in_force": n == len(given) - 1,
        }
        for n, g in enumerate(given)
    ]


def _authorization(request: CareRequest, local: Any) -> Doc | None:
    """The prior-authorisation determination: who, in which role, when, and whether it
    applies (made by the urgent deadline); a claim nobody is on record for says so."""
    if request.prior_authorization_at is None:
        if not request.prior_authorization:
            return None
        return {"by": None, "role": None, "at": None, "applied": False}
    return {
        "by": request.prior_authorization_by,
        "role": request.prior_authorization_role,
        "at": local(request.prior_authorization_at),
        "applied": request.authorization_applies,
    }


def _prior(appointment_id: int | None, records: Records) -> Appointment | None:
    if appointment_id is None:
        return None
    for visits in records.appointments.values():
        for visit in visits:
            if visit.id == appointment_id:
                return visit
    return None


def _visit(a: Appointment, local: Any) -> Doc:
    return {
        "id": a.id,
        "clinician": a.clinician_id,
        "start": local(a.start),
        "booked_at": local(a.booked_at),
        "status": a.status.value,
        "cancelled_by": a.cancelled_by.value if a.cancelled_by else None,
        "cancelled_at": local(a.cancelled_at),
        "cancel_reason": a.cancel_reason,
    }


def _exception(e: ClinicalException | None, local: Any) -> Doc | None:
    if e is None:
        return None
    return {
        "author": e.author,
        "role": e.author_role,
        "clinician": e.clinician_id,
        "recorded_at": local(e.recorded_at),
        "reason": e.reason,
        "extended_deadline": local(e.extended_deadline),
        "late_determination": e.late,
    }


def _offer(
    o: Offer, local: Any, evidence: RequestEvidence, counted: set[int], allowed: datetime
) -> Doc:
    """One offer as the figures read it: timely against the deadline the record supports
    (`allowed`), and whether it counts as made at all (`counted`: the ids of the request's
    offers that do; docs/adr/0013, 2026-12-07)."""
    return {
        "id": o.id,
        "slot": o.slot_id,
        "clinician": o.clinician_id,
        "slot_start": local(o.slot_start),
        "offered_at": local(o.offered_at),
        "channel": o.channel.value,
        "offered_by": o.offered_by,
        "timely": o.slot_start <= allowed,
        "counts_as_offered": o.id in counted,
        "response": o.response.value,
        "responded_at": local(o.responded_at),
        "recorded_by": o.responded_by,
        "response_channel": o.response_channel.value if o.response_channel else None,
        "contact_note": o.response_note,
        "message_delivered": o.id in evidence.delivered_offers,
    }


def _referral(evidence: RequestEvidence, local: Any) -> Doc | None:
    """The referral as recorded, and whether its outside visit met the deadline the record
    supports, judged as the verdict is (`compliance.referral_in_time`), not by the deadline
    copied onto the referral when it was made."""
    r = evidence.referral
    if r is None:
        return None
    return {
        "made_at": local(r.created_at),
        "made_by": r.made_by,
        "reason": r.reason,
        "outside_provider": r.outside_provider,
        "outside_appointment": local(r.appointment_at),
        "in_network_cost_sharing": r.in_network_cost_sharing,
        "arranged_in_time": referral_in_time(evidence),
    }


def timeline(doc: Doc) -> list[Doc]:
    """Every event of the document, in time order (the strings sort as instants because
    they share the clinic's zone; the offset breaks the DST tie)."""
    events: list[tuple[str, str]] = [(doc["requested_at"], "care requested")]
    events.append((doc["clock_start"], "clock starts"))
    exception = doc["exception"]
    if exception:
        late = " (late determination)" if exception["late_determination"] else ""
        events.append(
            (
                exception["recorded_at"],
                f"clinical exception by {exception['author']} ({exception['role']}){late}",
            )
        )
    for o in doc["offers"]:
        events.append(
            (
                o["offered_at"],
                f"offer #{o['id']} of {o['slot_start']} via {o['channel']} by {o['offered_by']}",
            )
        )
        if o["responded_at"]:
            events.append(
                (
                    o["responded_at"],
                    f"offer #{o['id']} {o['response']}, recorded by {o['recorded_by']}",
                )
            )
    for a in doc["appointments"]:
        if a["cancelled_at"]:
            events.append(
                (a["cancelled_at"], f"appointment #{a['id']} cancelled by {a['cancelled_by']}")
            )
    referral = doc["referral"]
    if referral:
        events.append((referral["made_at"], f"referred out of network by {referral['made_by']}"))
    events += [_later_event(given) for given in doc["later_dates"]]
    if doc["withdrawn"]:
        said = doc["withdrawn"]
        via, note = how_said(said)
        events.append((said["at"], f"member withdrew{via} (recorded by {said['by']}){note}"))
    determined = doc["prior_authorization"]
    if determined and determined["at"]:
        applied = "" if determined["applied"] else " (not applied: after the urgent deadline)"
        events.append(
            (
                determined["at"],
                f"prior authorisation by {determined['by']} ({determined['role']}){applied}",
            )
        )
    events.append((doc["legal_deadline"], "legal deadline"))
    return [{"at": at, "event": text} for at, text in sorted(events, key=lambda e: _instant(e[0]))]


def _later_event(given: Doc) -> tuple[str, str]:
    """A later date as a timeline event: the date asked for, how, who wrote it down, and
    whether it is the one in force or one the member changed since."""
    via, note = how_said(given)
    state = "in force" if given["in_force"] else "superseded by the next"
    text = f"member chose a later date, from {given['preferred_from']}{via}"
    return given["at"], f"{text} (recorded by {given['by']}; {state}){note}"


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)
