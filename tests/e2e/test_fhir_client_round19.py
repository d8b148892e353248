"""An independent FHIR client's round nineteen (docs/adr/0015-fhir-conformance.md,
2026-12-08): what a client that reads only `GET /metadata`, the README and the R4
specification expects of search, HTTP and the CapabilityStatement. Each test names the
section of R4 (hl7.org/fhir/R4/) it holds the server to; expected values come from that
rule, computed through another form of the same question where the rule says two forms
are one."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_support import FhirClient, auth_headers, matches, parameters, resources

Json = dict[str, Any]
BASE = "http://testserver"
SCHEDULE = "Schedule/c00001"


def total(api: FhirClient, path: str, **params: Any) -> int:
    return int(api.get(path, **params)["total"])


def ids(bundle: Json) -> list[str]:
    return [r["id"] for r in matches(bundle)]


def self_link(bundle: Json) -> str:
    return next(str(link["url"]) for link in bundle["link"] if link["relation"] == "self")


def refusal(response: Any, status: int) -> Json:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body: Json = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body


@pytest.mark.parametrize(
    "query",
    ["gender:not=female", "name:exact=Ada", "name:contains=love", "name:missing=true"],
)
def test_a_modifier_the_server_does_not_support_is_refused_not_ignored(
    api: FhirClient, query: str
) -> None:
    """search.html#modifiers: a modifier changes what a parameter means (`gender:not=female`
    asks for everyone but women); a server that does not support it refuses the search
    (R4's own example OperationOutcome "searchfail" names `name:exact`), even under lenient
    handling, rather than answer the parameter without it (search.html#errors)."""
    for prefer in ({}, {"Prefer": "handling=lenient"}):
        answer = api.http.get(f"/Patient?{query}", headers=prefer)
        outcome = refusal(answer, 400)
        assert query.split("=")[0] in outcome["issue"][0]["diagnostics"]
        assert outcome["issue"][0]["code"] == "not-supported"


def test_a_count_over_the_largest_page_is_served_not_refused(api: FhirClient) -> None:
    """search.html#count: `_count` asks for at most that many per page; "the server is not
    bound to return the number requested, but cannot return more", so a large one is a
    smaller page, not an error. Following next links reaches every match."""
    everyone = total(api, "/Practitioner")
    page = api.get("/Practitioner", _count=100_000)
    seen = ids(page)
    assert 0 < len(seen) <= 100_000
    while next_link := [x["url"] for x in page["link"] if x["relation"] == "next"]:
        page = api.get(next_link[0])
        seen += ids(page)
    assert len(seen) == len(set(seen)) == everyone


def test_summary_count_answers_the_total_without_the_matches(api: FhirClient) -> None:
    """search.html#summary: `_summary=count` returns "just a count of the matching
    resources, without returning the actual matches"."""
    counted = api.get("/Practitioner", _summary="count")
    assert counted["total"] == total(api, "/Practitioner") > 0
    assert "entry" not in counted


@pytest.mark.parametrize(
    ("path", "name", "relative"),
    [
        ("/Slot", "schedule", SCHEDULE),
        ("/Slot", "actor", "Practitioner/c00001"),
        ("/Schedule", "actor", "Location/san-diego"),
        ("/PractitionerRole", "practitioner", "Practitioner/c00001"),
        ("/PractitionerRole", "location", "Location/san-diego"),
        ("/ServiceRequest", "patient", "Patient/ada"),
    ],
)
def test_a_reference_may_be_the_absolute_url_of_a_resource_on_this_server(
    api: FhirClient, path: str, name: str, relative: str
) -> None:
    """search.html#reference: a reference parameter takes `[type]/[id]`, a bare id, or the
    resource's absolute URL; the URL of a resource on this server (its `fullUrl`) finds
    what its relative form finds."""
    if path == "/ServiceRequest":
        api.post("/Appointment/$find", parameters(patient_reference=relative))
    expected = total(api, path, **{name: relative})
    assert expected > 0
    assert total(api, path, **{name: f"{BASE}/{relative}"}) == expected


def test_dates_of_year_or_month_precision_cover_their_year_or_month(api: FhirClient) -> None:
    """search.html#date: a date parameter's value may be `yyyy`, `yyyy-mm` or `yyyy-mm-dd`
    (or a dateTime), and stands for the whole period it names."""
    month = total(api, "/Slot", schedule=SCHEDULE, start="2026-06")
    assert month == total(api, "/Slot", schedule=SCHEDULE, start=["ge2026-06-01", "lt2026-07-01"])
    assert month > 0
    assert total(api, "/Slot", schedule=SCHEDULE, start="2026") == total(
        api, "/Slot", schedule=SCHEDULE, start=["ge2026-01-01", "lt2027-01-01"]
    )
    assert total(api, "/Slot", schedule=SCHEDULE, start="2025-06") == 0
    proposal = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/ada")))
    hold = api.post("/Appointment/$hold", parameters(appt_id=proposal[0]["id"]))
    api.post("/Appointment/$book", parameters(appt_id=resources(hold, "Appointment")[0]["id"]))
    assert total(api, "/Appointment", patient="Patient/ada", date="2026") == 1


def test_starts_after_and_ends_before_prefixes_on_an_instant(api: FhirClient) -> None:
    """search.html#prefix: `sa` (starts after) and `eb` (ends before) compare the target
    with the whole range of the value; a Slot's start is an instant, so `sa2026-06-01`
    is every start from the next day on, and `eb2026-06-10` every start before that day."""
    after = total(api, "/Slot", schedule=SCHEDULE, start="sa2026-06-01")
    assert after == total(api, "/Slot", schedule=SCHEDULE, start="ge2026-06-02") > 0
    before = total(api, "/Slot", schedule=SCHEDULE, start="eb2026-06-10")
    assert before == total(api, "/Slot", schedule=SCHEDULE, start="lt2026-06-10") > 0


def test_a_conditional_read_of_an_unchanged_resource_is_304(api: FhirClient) -> None:
    """http.html#cread: a client that has a version reads again with `If-None-Match` (its
    ETag) or `If-Modified-Since` (its Last-Modified) and gets 304 Not Modified, without a
    body, while the resource is unchanged, and the resource once it changed. The
    CapabilityStatement says so (`conditionalRead`)."""
    proposal = matches(api.post("/Appointment/$find", parameters(patient_reference="Patient/bo")))
    held = resources(
        api.post("/Appointment/$hold", parameters(appt_id=proposal[0]["id"])), "Appointment"
    )
    path = f"/Appointment/{held[0]['id']}"
    first = api.http.get(path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    unchanged = api.http.get(path, headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["etag"] == etag
    since = api.http.get(path, headers={"If-Modified-Since": modified})
    assert (since.status_code, since.content) == (304, b"")
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    assert api.http.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    assert api.http.get(path, headers={"If-None-Match": 'W/"0"'}).status_code == 200
    api.post("/Appointment/$book", parameters(appt_id=held[0]["id"]))
    changed = api.http.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    statement = api.get("/metadata")
    for resource in statement["rest"][0]["resource"]:
        assert resource["conditionalRead"] == "full-support"


@pytest.mark.parametrize("path", ["/Patient/ada", "/Patient?_id=ada", "/metadata"])
def test_head_answers_what_get_would_without_the_body(api: FhirClient, path: str) -> None:
    """RFC 9110 9.3.2 (which FHIR's RESTful API is built on, http.html): every general
    purpose server supports HEAD, answering GET's status and headers without a body."""
    got, head = api.http.get(path), api.http.head(path)
    assert (head.status_code, head.content) == (got.status_code, b"")
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers.get("etag") == got.headers.get("etag")
    assert api.http.head("/Patient/nobody").status_code == 404


def test_a_search_by_post_to_search_is_the_get_search(api: FhirClient) -> None:
    """http.html#search: `POST [type]/_search` with the parameters as an
    `application/x-www-form-urlencoded` body (and any in the URL) is the same search as
    GET; the self link is the GET form, which the client can follow."""
    form = {"schedule": SCHEDULE, "status": "free", "_count": "3"}
    posted = api.http.post("/Slot/_search", data=form)
    assert posted.status_code == 200, posted.text
    bundle = posted.json()
    got = api.get("/Slot", **form)
    assert (bundle["total"], ids(bundle)) == (got["total"], ids(got))
    link = urlsplit(self_link(bundle))
    assert link.path == "/Slot"
    assert parse_qs(link.query)["schedule"] == [SCHEDULE]
    assert ids(api.get(self_link(bundle))) == ids(bundle)
    mixed = api.http.post("/Patient/_search?_id=ada", data={"_count": "1"})
    assert ids(mixed.json()) == ["ada"]
    refusal(api.http.post("/Patient/_search", json={"_id": "ada"}), 415)


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("?_format=ttl", None),
        ("?_format=application/fhir%2Bturtle", None),
        ("", "text/turtle"),
        ("", "application/fhir+json; fhirVersion=3.0"),
    ],
)
def test_a_format_or_fhir_version_the_server_does_not_speak_is_406(
    api: FhirClient, query: str, accept: str | None
) -> None:
    """http.html#mime-type and #version-parameter: `_format` or `Accept` asking for a
    format the server does not return (Turtle), or JSON of another FHIR version, gets
    406 Not Acceptable rather than R4 JSON the client did not ask for."""
    headers = {"Accept": accept} if accept else {}
    refusal(api.http.get(f"/Patient/ada{query}", headers=headers), 406)
    r4 = api.http.get("/Patient/ada", headers={"Accept": "application/fhir+json; fhirVersion=4.0"})
    assert r4.status_code == 200


def test_every_operation_the_server_answers_is_in_the_capability_statement(
    api: FhirClient,
) -> None:
    """capabilitystatement.html (rest.resource.operation): the CapabilityStatement lists
    the operations a client may call on each resource; a client reading it must find
    every operation the server answers, the member's `$withdraw` and `$prefer-later`
    included."""
    declared = {
        (resource["type"], operation["name"])
        for resource in api.get("/metadata")["rest"][0]["resource"]
        for operation in resource.get("operation", [])
    }
    served = {
        (path.split("/")[1], path.rsplit("$", 1)[1])
        for path in api.http.get("/openapi.json").json()["paths"]
        if "$" in path and path[1:2].isupper()
    }
    assert served - declared == set()


def _supported(app: FastAPI, path: str) -> set[str]:
    """The input parameters the server names when an operation is sent one it does not
    take (under the first role allowed to call it)."""
    unknown = {"resourceType": "Parameters", "parameter": [{"name": "zz", "valueString": "x"}]}
    for role, clinician in (("admin", None), ("therapist", "c00001")):
        with TestClient(app, headers=auth_headers(app, role, clinician=clinician)) as client:
            answer = client.post(path, json=unknown)
        if answer.status_code != 403:
            break
    said = refusal(answer, 422)["issue"][0]["diagnostics"]
    if "takes no parameters" in said:
        return set()
    return set(said.rsplit("supported: ", 1)[1].split(", "))


def test_every_operation_definition_the_capability_statement_names_resolves(
    app: FastAPI, api: FhirClient
) -> None:
    """capabilitystatement.html (rest.resource.operation.definition) and
    operationdefinition.html: the definition a CapabilityStatement names is what a client
    reads to learn how to call the operation; each of Parity's own resolves on this server
    (as its CodeSystems do) and lists as input parameters what the operation takes."""
    api.post("/Appointment/$find", parameters(patient_reference="Patient/ada"))
    instances = {"Appointment": "1", "ServiceRequest": "1", "Task": "offer-1"}
    for resource in api.get("/metadata")["rest"][0]["resource"]:
        for operation in resource.get("operation", []):
            canonical = operation["definition"]
            if not canonical.startswith("https://parity.example/"):
                continue  # Argonaut Scheduling's, published by the IG
            definition = api.get(f"/OperationDefinition/{canonical.rsplit('/', 1)[1]}")
            assert definition["url"] == canonical
            assert (definition["code"], definition["resource"]) == (
                operation["name"],
                [resource["type"]],
            )
            path = f"/{resource['type']}/{instances[resource['type']]}/${operation['name']}"
            taken = {p["name"] for p in definition.get("parameter", []) if p["use"] == "in"}
            assert taken == _supported(app, path), path


def test_a_summary_other_than_count_is_not_understood_under_strict_handling(
    api: FhirClient,
) -> None:
    """search.html#errors with `Prefer: handling=strict`: a parameter the server does not
    apply is refused; `_summary=count` is applied, `_summary=true` is not."""
    strict = {"Prefer": "handling=strict"}
    assert api.http.get("/Practitioner?_summary=count", headers=strict).status_code == 200
    outcome = refusal(api.http.get("/Practitioner?_summary=true", headers=strict), 400)
    assert "_summary" in outcome["issue"][0]["diagnostics"]
    lenient = api.get("/Practitioner", _summary="true")
    assert "_summary" not in self_link(lenient)
