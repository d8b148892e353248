"""Evidence the law asks for, as FHIR Task: offers, clinical exceptions and referrals
(`Task/offer-{n}`, `Task/exception-{n}`, `Task/referral-{n}`; pure functions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from parity.adapters.fhir.common import (
    OFFER_STATUS,
    Json,
    concept,
    instant,
    reference,
)
from parity.domain.care import (
    CareRequest,
    ClinicalException,
    Offer,
    Referral,
)
from parity.domain.errors import NotFound

# -- evidence: offers, clinical exceptions, referrals (Task) ------------------------------


def _task(key: str, code: str, status: str, request: CareRequest, authored: datetime) -> Json:
    return {
        "resourceType": "Task",
        "id": key,
        "status": status,
        "intent": "proposal" if code == "offer" else "order",
        "code": concept("task", code),
        "basedOn": [reference("ServiceRequest", request.id)],
        "for": reference("Patient", request.member_id),
        "authoredOn": instant(authored),
    }


def offer_task(offer: Offer, request: CareRequest) -> Json:
    """An offer kept as evidence; a declined offer is a `rejected` Task, who and when."""
    task = _task(
        f"offer-{offer.id}", "offer", OFFER_STATUS[offer.response], request, offer.offered_at
    )
    task["focus"] = reference("Slot", offer.slot_id)
    task["owner"] = reference("Patient", request.member_id)
    task["businessStatus"] = {"text": "timely" if offer.timely else "after the deadline"}
    task["input"] = [
        {"type": {"text": "slot-start"}, "valueDateTime": instant(offer.slot_start)},
        {
            "type": {"text": "practitioner"},
            "valueReference": reference("Practitioner", offer.clinician_id),
        },
        {"type": {"text": "timely"}, "valueBoolean": offer.timely},
        {"type": {"text": "channel"}, "valueString": offer.channel.value},
    ]
    if offer.offered_by:  # FHIR strings are never empty (offers recorded before r0008)
        task["input"].append({"type": {"text": "offered-by"}, "valueString": offer.offered_by})
    if offer.responded_at is not None:
        task["lastModified"] = instant(offer.responded_at)
        via = f" via {offer.response_channel}" if offer.response_channel else ""
        note = f": {offer.response_note}" if offer.response_note else ""
        task["note"] = [{"text": f"{offer.response} by {offer.responded_by}{via}{note}"}]
    return task


def exception_task(found: ClinicalException, request: CareRequest) -> Json:
    """A documented clinical exception (28 CCR §1300.67.2.2(c)(5)(G)): who, when, why."""
    task = _task(
        f"exception-{found.id}", "clinical-exception", "completed", request, found.recorded_at
    )
    task["requester"] = {"display": f"{found.author} ({found.author_role})"}
    if found.clinician_id:
        task["requester"] |= reference("Practitioner", found.clinician_id)
    task["reasonCode"] = {"text": found.reason}
    task["restriction"] = {"period": {"end": instant(found.extended_deadline)}}
    if found.late:
        task["businessStatus"] = {"text": "late determination: documented after the deadline"}
    return task


def referral_task(found: Referral, request: CareRequest, citation: str) -> Json:
    """An out-of-network referral at in-network cost sharing, with the engine's reasons."""
    task = _task(
        f"referral-{found.id}", "out-of-network-referral", "requested", request, found.created_at
    )
    task["reasonCode"] = {"text": found.reason}
    task["restriction"] = {"period": {"end": instant(found.deadline)}}
    task["note"] = [{"text": f"{citation}; {_explain(found.explanation)}"}]
    task["input"] = [
        {"type": {"text": "in-network-cost-sharing"}, "valueBoolean": found.in_network_cost_sharing}
    ]
    if found.outside_provider:  # FHIR strings are never empty: absent until it is known
        task["input"].append(
            {"type": {"text": "outside-provider"}, "valueString": found.outside_provider}
        )
    if found.appointment_at is not None:
        task["input"].append(
            {"type": {"text": "appointment"}, "valueDateTime": instant(found.appointment_at)}
        )
    return task


def _explain(explanation: dict[str, Any]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in sorted(explanation.items())) or "-"


def parse_task_id(text: str) -> tuple[str, int]:
    """`offer-3` → ("offer", 3); anything else is `NotFound`."""
    kind, _, number = text.partition("-")
    if kind not in {"offer", "exception", "referral"} or not number.isdigit():
        raise NotFound(f"Task {text} not found", resource="Task", id=text)
    return kind, int(number)
