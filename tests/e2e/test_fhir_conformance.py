"""What an integrator's tools check before and around the calls (docs/adr/0015): formats
(406, 415), SMART discovery, and Parity's own definitions published at the canonical URLs
its resources use, so a validator can check every Parity code and extension."""

from __future__ import annotations

from typing import Any, cast

from fastapi.testclient import TestClient
from fhir_support import FhirClient, matches, parameters, validate


def _parity_urls(value: Any, found: set[str]) -> set[str]:
    """Every Parity code system or extension URL in a body."""
    if isinstance(value, dict):
        for key in ("system", "url"):
            text = str(value.get(key, ""))
            if "/CodeSystem/" in text or "/StructureDefinition/" in text:
                found.add(text)
        for item in value.values():
            _parity_urls(item, found)
    elif isinstance(value, list):
        for item in value:
            _parity_urls(item, found)
    return {u for u in found if u.startswith("https://parity.example/fhir/")}


def test_xml_asked_for_is_406_and_an_xml_body_is_415(api: FhirClient) -> None:
    for response in (
        api.http.get("/Location", params={"_format": "xml"}),
        api.http.get("/Location", headers={"Accept": "application/fhir+xml"}),
    ):
        assert response.status_code == 406
        assert response.json()["resourceType"] == "OperationOutcome"
    json_too = {"Accept": "application/fhir+xml, application/fhir+json;q=0.9"}
    assert api.http.get("/Location", headers=json_too).status_code == 200
    xml = api.http.post(
        "/Appointment/$find",
        content=b"<Parameters xmlns='http://hl7.org/fhir'/>",
        headers={"Content-Type": "application/fhir+xml"},
    )
    assert xml.status_code == 415
    assert validate(xml.json())["issue"][0]["code"] == "not-supported"


def test_smart_clients_find_the_token_endpoint(api: FhirClient) -> None:
    anonymous = TestClient(api.http.app)
    smart = anonymous.get("/.well-known/smart-configuration")
    assert smart.status_code == 200
    token = smart.json()["token_endpoint"]
    assert token.endswith("/token")
    statement = validate(anonymous.get("/metadata").json())
    security = statement["rest"][0]["security"]
    uris = security["extension"][0]
    assert uris["url"].endswith("/oauth-uris")
    assert uris["extension"][0] == {"url": "token", "valueUri": token}
    assert "SMART-on-FHIR" in {c["code"] for c in security["service"][0]["coding"]}
    assert statement["implementationGuide"]


def test_every_parity_code_system_and_extension_used_is_published(api: FhirClient) -> None:
    found = api.post("/Appointment/$find", parameters(patient_reference="Patient/ada"))
    held = api.post("/Appointment/$hold", parameters(appt_id=matches(found)[0]["id"]))
    bodies = [
        found,
        held,
        api.get("/PractitionerRole"),
        api.get("/Patient/ada"),
        api.get("/Location"),
    ]
    urls = set().union(*(_parity_urls(b, set()) for b in bodies))
    assert any("/CodeSystem/" in u for u in urls)
    assert any("/StructureDefinition/" in u for u in urls)
    anonymous = TestClient(api.http.app)
    for url in sorted(urls):
        path = url.removeprefix("https://parity.example/fhir")
        published = anonymous.get(path)
        assert published.status_code == 200, url
        assert validate(published.json())["url"] == url


def test_codes_in_use_are_in_their_published_code_system(api: FhirClient) -> None:
    roles = matches(api.get("/PractitionerRole", _count=100))
    system = roles[0]["specialty"][0]["coding"][0]["system"]
    published = api.get(system.removeprefix("https://parity.example/fhir"))
    codes = {c["code"] for c in cast(list[dict[str, str]], published["concept"])}
    assert {r["specialty"][0]["coding"][0]["code"] for r in roles} <= codes
    api.get("/CodeSystem/no-such-system", expect=404)


def test_locations_use_the_r4_core_time_zone_extension(api: FhirClient) -> None:
    fontana = api.get("/Location/fontana")
    zone = [e for e in fontana["extension"] if e["url"].startswith("http://hl7.org/")]
    assert zone == [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/tz-code",
            "valueCode": "America/Los_Angeles",
        }
    ]
