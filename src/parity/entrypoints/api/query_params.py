"""The search parameters several resources share, declared once as typed FastAPI query
parameters (`Annotated[..., Query(...)]`), so a route lists them by name."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

PatientRef = Annotated[str | None, Query(description="Patient/{id}")]
PractitionerRef = Annotated[str | None, Query(description="Practitioner/{id}")]
BasedOn = Annotated[str | None, Query(alias="based-on", description="ServiceRequest/{id}")]
Ids = Annotated[str | None, Query(alias="_id", description="Comma-separated ids")]
