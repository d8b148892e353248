"""`$find`'s proposals rendered together, and stamped from the records they are read from
(docs/adr/0017-booking-api-speed.md, thirteenth round): the same JSON, byte for byte, as
the Appointment each proposal is by its documented shape, and the same versions as the
rule (the sum of the request's and the slot's counters, the later of their times)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from parity.adapters.fhir import proposed_appointment, proposed_appointments, versions
from parity.domain.care import CareRequest
from parity.domain.ports import RecordStamp
from parity.domain.schedule import BlockKind, Slot
from parity.domain.standards import VisitType
from parity.domain.workforce import Clinician, Discipline, Modality, ProviderClass

REQUESTED = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 6, 13, 6, 59, 59, tzinfo=UTC)
P = "https://parity.example/fhir"


def _request(visit: VisitType = VisitType.INITIAL) -> CareRequest:
    return CareRequest(
        "m1",
        visit,
        ProviderClass.THERAPIST,
        "english",
        (Modality.IN_PERSON, Modality.VIDEO),
        "north",
        REQUESTED,
        "initial-therapy",
        REQUESTED,
        DEADLINE,
        REQUESTED,
        id=41,
    )


ANA = Clinician("ana", "Ana", Discipline.THERAPIST, 1.0, ("north",))
BEN = Clinician(
    "ben", "Ben", Discipline.THERAPIST, 1.0, ("south",), modalities=frozenset({Modality.VIDEO})
)


def _slot(key: int, clinician: str, clinic: str, day: int, minutes: int = 60) -> Slot:
    start = datetime(2026, 6, day, 17, 0, tzinfo=UTC)
    end = start + timedelta(minutes=minutes)
    return Slot(clinician, clinic, start, end, BlockKind.INTAKE, id=key)


def _expected(
    key: int, clinician: str, clinic: str, day: int, modality: str, reason: str, timely: bool
) -> dict[str, Any]:
    """A proposal, written out from its shape (docs/adr/0003): the keys in this order."""
    return {
        "resourceType": "Appointment",
        "id": f"proposal-41-{key}",
        "status": "proposed",
        "serviceType": [
            {"coding": [{"system": f"{P}/CodeSystem/modality", "code": modality}], "text": modality}
        ],
        "specialty": [
            {
                "coding": [{"system": f"{P}/CodeSystem/provider-class", "code": "therapist"}],
                "text": "therapist",
            }
        ],
        "appointmentType": {
            "coding": [
                {
                    "system": f"{P}/CodeSystem/visit-type",
                    "code": "initial",
                    "display": "Initial visit",
                },
                {"system": "http://terminology.hl7.org/CodeSystem/v2-0276", "code": "ROUTINE"},
            ]
        },
        "start": f"2026-06-{day:02d}T17:00:00Z",
        "end": f"2026-06-{day:02d}T18:00:00Z",
        "minutesDuration": 60,
        "slot": [{"reference": f"Slot/{key}"}],
        "basedOn": [{"reference": "ServiceRequest/41"}],
        "participant": [
            {
                "actor": {"reference": "Patient/m1"},
                "required": "required",
                "status": "needs-action",
            },
            {
                "actor": {"reference": f"Practitioner/{clinician}"},
                "required": "required",
                "status": "accepted",
            },
            {
                "actor": {"reference": f"Location/{clinic}"},
                "required": "required",
                "status": "accepted",
            },
        ],
        "requestedPeriod": [{"start": "2026-06-01T16:00:00Z", "end": "2026-06-13T06:59:59Z"}],
        "comment": f"Proposed: {reason}",
        "extension": [
            *(
                [{"url": f"{P}/StructureDefinition/proposal-reason", "valueString": reason}]
                if reason
                else []
            ),
            {"url": f"{P}/StructureDefinition/timely", "valueBoolean": timely},
        ],
    }


# The request's own deadline, as the engine books a request with nothing unsupported by.
DUE = _request().effective_deadline
FOUND = [
    (_slot(7, "ana", "north", 3), ANA, "same clinician as before"),
    (_slot(8, "ben", "south", 4), BEN, "earliest"),
    (_slot(9, "ana", "north", 5), ANA, "earliest"),
    (_slot(10, "ben", "south", 20), BEN, ""),  # after the deadline: not timely
]
EXPECTED = [
    _expected(7, "ana", "north", 3, "in-person", "same clinician as before", True),
    _expected(8, "ben", "south", 4, "video", "earliest", True),
    _expected(9, "ana", "north", 5, "in-person", "earliest", True),
    _expected(10, "ben", "south", 20, "video", "", False),
]


def _bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def test_proposals_rendered_together_are_each_proposals_json_byte_for_byte() -> None:
    rendered = proposed_appointments(_request(), FOUND, DUE)
    assert [orjson.dumps(r) for r in rendered] == [_bytes(e) for e in EXPECTED]
    # one at a time, as a read of `Appointment/proposal-…` renders it: the same again
    for (found, clinician, reason), expected in zip(FOUND, EXPECTED, strict=True):
        one = proposed_appointment(_request(), found, clinician, reason, DUE)
        assert orjson.dumps(one) == _bytes(expected)


def test_proposals_share_their_requests_parts_and_not_their_own() -> None:
    first, second, *_ = proposed_appointments(_request(), FOUND, DUE)
    assert first["basedOn"] is second["basedOn"]  # built once for the request
    assert first["participant"][0] is second["participant"][0]
    assert first["participant"] is not second["participant"]
    assert first["slot"] is not second["slot"]


def test_a_proposals_parts_are_those_its_rendered_references_name() -> None:
    for rendered, (found, _, _) in zip(
        proposed_appointments(_request(), FOUND, DUE), FOUND, strict=True
    ):
        expected = [("requests", 41), ("slots", found.id)]
        assert versions.proposal_parts(41, found.id) == expected
        assert versions.parts_of(rendered) == expected


T1 = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)
T2 = datetime(2026, 6, 2, 11, 0, tzinfo=UTC)


def test_the_stamp_is_the_sum_of_the_versions_and_the_latest_time() -> None:
    stamps = {
        ("requests", 41): RecordStamp(2, T2),
        ("slots", 7): RecordStamp(5, T1),
        ("slots", 8): RecordStamp(1, None),
    }
    assert versions.stamp_from([("requests", 41), ("slots", 7)], stamps) == RecordStamp(7, T2)
    assert versions.stamp_from([("requests", 41), ("slots", 8)], stamps) == RecordStamp(3, T2)
    assert versions.stamp_from([("slots", 8)], stamps) == RecordStamp(1, None)
    # an unknown record counts nothing; none known: no stamp
    assert versions.stamp_from([("slots", 7), ("slots", 99)], stamps) == RecordStamp(5, T1)
    assert versions.stamp_from([("slots", 99)], stamps) is None
    assert versions.stamp_from([], stamps) is None


def test_stamping_in_place_gives_what_stamping_a_copy_gives() -> None:
    stamps = {("requests", 41): RecordStamp(2, T1), ("slots", 7): RecordStamp(5, T2)}
    for rendered in proposed_appointments(_request(), FOUND[:1], DUE):
        copied = versions.stamped(rendered, stamps)
        in_place = versions.stamp_in_place(
            rendered, versions.stamp_from(versions.proposal_parts(41, 7), stamps)
        )
        assert in_place is rendered
        assert orjson.dumps(in_place) == orjson.dumps(copied)
        assert in_place["meta"] == {"versionId": "7", "lastUpdated": "2026-06-02T11:00:00Z"}
    with_meta = {"resourceType": "Appointment", "id": "proposal-41-7", "meta": {"tag": []}}
    with_meta |= {
        "basedOn": [{"reference": "ServiceRequest/41"}],
        "slot": [{"reference": "Slot/7"}],
    }
    copied = versions.stamped(with_meta, stamps)
    in_place = versions.stamp_in_place(dict(with_meta), versions.stamp_of(with_meta, stamps))
    assert orjson.dumps(in_place) == orjson.dumps(copied)  # meta kept where it was
    assert versions.stamp_in_place({"id": "x"}, None) == {"id": "x"}  # no stamp: no meta


def test_each_proposal_says_timely_by_the_deadline_the_engine_books_by() -> None:
    # A row claiming prior authorisation with nobody on record is booked by its 48 hours
    # (`slot_search.booking_deadline`), earlier than its stored effective deadline: what a
    # proposal says of itself follows the deadline it is given.
    due = FOUND[1][0].start
    rendered = proposed_appointments(_request(), FOUND, due)
    said = [r["extension"][-1]["valueBoolean"] for r in rendered]
    assert said == [found.start <= due for found, _, _ in FOUND]
    assert said == [True, True, False, False]
    one = proposed_appointment(_request(), *FOUND[2], due)
    assert one["extension"][-1]["valueBoolean"] is False
