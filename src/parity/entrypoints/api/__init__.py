"""The FHIR R4 scheduling API (FastAPI): `create_app(uow_factory, policy, clock)`."""

from parity.entrypoints.api.app import create_app

__all__ = ["create_app"]
