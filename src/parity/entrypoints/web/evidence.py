"""The printable evidence of one request: what an auditor reads and files
(docs/adr/0013-evidence-a-regulator-accepts.md). Every record in time order, clinic-local
times with their offsets, the legal and extended deadlines side by side, and a one-line
verdict naming its rule; a print stylesheet makes it a clean page (or a PDF from the
browser's print dialog)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from parity.entrypoints.api.context import Context
from parity.entrypoints.security.pseudonyms import accounts_hidden, pseudonymiser
from parity.entrypoints.security.scope import caller_scope
from parity.entrypoints.web.page import render
from parity.entrypoints.web.routing import PageRoute
from parity.services import queries
from parity.services.evidence_trail import evidence_document

router = APIRouter(route_class=PageRoute)


@router.get("/requests/{request_id}/evidence")
def evidence_page(request_id: int, request: Request, context: Context) -> HTMLResponse:
    # a request in the caller's scope (a therapist's patient, a scheduler's clinic), or 404
    queries.care_request(context.uow_factory(), caller_scope(request), request_id)
    doc = evidence_document(context.uow_factory(), context.policy, request_id, context.clock.now())
    (doc,) = accounts_hidden(request, context.uow_factory(), [doc])
    doc = doc | {"member": pseudonymiser(request)(doc["member"])}
    page = {"title": f"Evidence of care request #{request_id}", "nav": "queue", "doc": doc}
    return render(request, context, "evidence.html.j2", page)
