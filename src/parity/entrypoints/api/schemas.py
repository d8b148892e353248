"""Request schemas: the shape of a FHIR `Parameters` body. Values are read by name in
`adapters.fhir.Parameters`, which names the parameter when one is wrong."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Body
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from parity.adapters.fhir import Json
from parity.entrypoints.api.responses import FHIR_JSON

FIND_EXAMPLE: JsonDict = {
    "resourceType": "Parameters",
    "parameter": [
        {"name": "patient-reference", "valueReference": {"reference": "Patient/m1"}},
        {"name": "visit-type", "valueCode": "initial"},
        {"name": "specialty", "valueCode": "therapist"},
        {"name": "service-type", "valueCode": "video"},
    ],
}


class ParameterIn(BaseModel):
    """One parameter: a `name` and one `value[x]`, `resource` or `part`."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)


class ParametersIn(BaseModel):
    """A FHIR R4 `Parameters` resource, the body of every operation."""

    model_config = ConfigDict(
        extra="allow", populate_by_name=True, json_schema_extra={"examples": [FIND_EXAMPLE]}
    )

    resource_type: Literal["Parameters"] = Field(alias="resourceType")
    parameter: list[ParameterIn] = Field(default_factory=list)

    def as_json(self) -> Json:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


ParametersBody = Annotated[ParametersIn, Body(media_type=FHIR_JSON)]
OptionalParametersBody = Annotated[ParametersIn | None, Body(media_type=FHIR_JSON)]
