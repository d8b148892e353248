"""The one declared route × role matrix: every route of the API and the pages, by method and
path template, with the roles that may call it (docs/adr/0008, docs/adr/0012).

`guard.authorise` enforces it on every request; a route missing here is denied to everyone,
and tests/e2e/test_role_matrix.py walks every route × role against it (and fails when a route
has no entry). `record` names the member data a route reads or changes (it is audited);
`owner` names the path parameter of the record (the audit event's entity). Whose records a
caller may touch is decided where they are read (docs/adr/0012), except a clinician's week,
checked by the guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from parity.domain.users import Role


class Category(StrEnum):
    ROLES = "roles"  # a signed-in user whose role is listed
    PUBLIC = "public"  # no token: health, metadata, login, static assets
    SIGNED_LINK = "public: signed link"  # no token, but a signed link (ADR 0009 offer replies)
    DESCRIPTION = "public: API description"  # OpenAPI document and its viewers, no data


class Owner(StrEnum):
    """The path parameter naming a route's record (or how its records are named)."""

    PATIENT = "patient_id"
    APPOINTMENT = "appointment_id"
    REQUEST = "request_id"
    TASK = "task_id"
    CLINICIAN = "clinician_id"
    SEARCH = "search"  # the `patient` / `_id` / `practitioner` search parameters
    SELF = "self"  # the signed-in member's own pages


@dataclass(frozen=True)
class Access:
    category: Category
    roles: frozenset[Role] = frozenset()
    record: str | None = None
    owner: Owner | None = None

    @property
    def public(self) -> bool:
        return self.category is not Category.ROLES


M, T, S = Role.MEMBER, Role.THERAPIST, Role.SCHEDULER
G, A, X = Role.MANAGER, Role.AUDITOR, Role.ADMIN
EVERYONE = (M, T, S, G, A, X)
PUBLIC = Access(Category.PUBLIC)
DESCRIPTION = Access(Category.DESCRIPTION)


def allow(*roles: Role, record: str | None = None, owner: Owner | None = None) -> Access:
    return Access(Category.ROLES, frozenset(roles), record, owner)


def member_data(record: str, owner: Owner, *roles: Role) -> Access:
    """A route that reads or changes a member's records: audited, with row-level rules."""
    return allow(*roles, record=record, owner=owner)


O = Owner  # noqa: E741 - short, to keep the table below readable
BOOKERS = (M, S, X)
CARE_TEAM = (M, T, S, X)
STAFF_READ = (M, T, S, G, X)

API: dict[tuple[str, str], Access] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/metadata"): PUBLIC,
    # Definitions and discovery describe the server, never a member (docs/adr/0015).
    ("GET", "/.well-known/smart-configuration"): PUBLIC,
    ("GET", "/CodeSystem/{code_system_id}"): PUBLIC,
    ("GET", "/StructureDefinition/{definition_id}"): PUBLIC,
    ("GET", "/OperationDefinition/{operation_id}"): PUBLIC,
    ("POST", "/token"): PUBLIC,
    ("POST", "/logout"): allow(*EVERYONE),
    ("GET", "/openapi.json"): DESCRIPTION,
    ("GET", "/docs"): DESCRIPTION,
    ("GET", "/docs/oauth2-redirect"): DESCRIPTION,
    ("GET", "/redoc"): DESCRIPTION,
    ("POST", "/Appointment/$find"): member_data("Appointment", O.SEARCH, *BOOKERS),
    ("POST", "/Appointment/$hold"): member_data("Appointment", O.SEARCH, *BOOKERS),
    ("POST", "/Appointment/$book"): member_data("Appointment", O.SEARCH, *BOOKERS),
    ("POST", "/Appointment/{appointment_id}/$hold"): member_data(
        "Appointment", O.APPOINTMENT, *BOOKERS
    ),
    ("POST", "/Appointment/{appointment_id}/$book"): member_data(
        "Appointment", O.APPOINTMENT, *BOOKERS
    ),
    ("GET", "/Appointment/{appointment_id}"): member_data("Appointment", O.APPOINTMENT, *CARE_TEAM),
    ("GET", "/Appointment"): member_data("Appointment", O.SEARCH, *CARE_TEAM),
    ("POST", "/Appointment/{appointment_id}/$cancel"): member_data(
        "Appointment", O.APPOINTMENT, *BOOKERS
    ),
    ("GET", "/ServiceRequest/{request_id}"): member_data("ServiceRequest", O.REQUEST, *CARE_TEAM),
    ("GET", "/ServiceRequest"): member_data("ServiceRequest", O.SEARCH, *CARE_TEAM),
    ("POST", "/ServiceRequest/{request_id}/$clinical-exception"): member_data(
        "ServiceRequest", O.REQUEST, T
    ),
    ("POST", "/ServiceRequest/{request_id}/$refer"): member_data("ServiceRequest", O.REQUEST, S, X),
    ("POST", "/ServiceRequest/{request_id}/$referral-appointment"): member_data(
        "ServiceRequest", O.REQUEST, S, X
    ),
    # The member's own choices (docs/adr/0013): withdraw, or ask for a later date.
    ("POST", "/ServiceRequest/{request_id}/$withdraw"): member_data(
        "ServiceRequest", O.REQUEST, M, S, X
    ),
    ("POST", "/ServiceRequest/{request_id}/$prefer-later"): member_data(
        "ServiceRequest", O.REQUEST, M, S, X
    ),
    ("POST", "/ServiceRequest/{request_id}/$offer"): member_data("ServiceRequest", O.REQUEST, S, X),
    # The plan's determination, never the member's (docs/adr/0013, 2026-12-07 evening).
    ("POST", "/ServiceRequest/{request_id}/$prior-authorization"): member_data(
        "ServiceRequest", O.REQUEST, T, S, X
    ),
    ("GET", "/Task/{task_id}"): member_data("Task", O.TASK, *CARE_TEAM),
    ("GET", "/Task"): member_data("Task", O.SEARCH, *CARE_TEAM),
    ("POST", "/Task/{task_id}/$accept"): member_data("Task", O.TASK, *BOOKERS),
    ("POST", "/Task/{task_id}/$decline"): member_data("Task", O.TASK, *BOOKERS),
    ("GET", "/Schedule/{schedule_id}"): allow(*STAFF_READ),
    ("GET", "/Schedule"): allow(*STAFF_READ),
    ("GET", "/Slot/{slot_id}"): allow(*STAFF_READ),
    ("GET", "/Slot"): allow(*STAFF_READ),
    ("GET", "/Practitioner/{practitioner_id}"): allow(*EVERYONE),
    ("GET", "/Practitioner"): allow(*EVERYONE),
    ("GET", "/PractitionerRole/{role_id}"): allow(*EVERYONE),
    ("GET", "/PractitionerRole"): allow(*EVERYONE),
    ("GET", "/Location/{location_id}"): allow(*EVERYONE),
    ("GET", "/Location"): allow(*EVERYONE),
    ("GET", "/Patient/{patient_id}"): member_data("Patient", O.PATIENT, *CARE_TEAM),
    # A member look-up filters by the caller's scope in the query (docs/adr/0015); an
    # auditor's results are de-identified. The route names the members it found for the trail.
    ("GET", "/Patient"): allow(*CARE_TEAM, A, record="Patient"),
    ("GET", "/report/compliance"): allow(G, A, X),
    # Pages and reports that list members (names, ids, visits) are member data too: audited
    # with every member they carried (docs/adr/0012, attack probe of 2026-12-07).
    ("GET", "/report/evidence"): member_data("ServiceRequest", O.SEARCH, G, A, X),
    ("GET", "/plan"): allow(G, A, X),
    ("POST", "/plan/$detect"): allow(G, X),
    ("POST", "/plan/findings/{finding_id}/actions"): allow(G, X),
    ("POST", "/plan/actions/{action_id}/$move"): allow(G, X),
    ("POST", "/optimize/$preview"): member_data("ServiceRequest", O.SEARCH, S, G, X),
    ("POST", "/optimize/$apply"): member_data("ServiceRequest", O.SEARCH, S, X),
    ("GET", "/AuditEvent"): allow(A, X),
    ("GET", "/AuditEvent/{event_id}"): allow(A, X),
    # The waitlist (ADR 0009): members may put their own request on it or take it off.
    ("GET", "/waitlist"): member_data("Task", O.SEARCH, S, G, X),
    ("POST", "/ServiceRequest/{request_id}/$waitlist"): member_data(
        "ServiceRequest", O.REQUEST, M, S, X
    ),
    ("DELETE", "/ServiceRequest/{request_id}/$waitlist"): member_data(
        "ServiceRequest", O.REQUEST, M, S, X
    ),
}

PAGES: dict[tuple[str, str], Access] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/app"): PUBLIC,
    ("GET", "/app/"): PUBLIC,
    ("GET", "/app/static/{name}"): PUBLIC,
    ("GET", "/app/login"): PUBLIC,
    ("POST", "/app/login"): PUBLIC,
    ("POST", "/app/logout"): allow(*EVERYONE),
    ("GET", "/app/{rest:path}"): allow(*EVERYONE),
    ("GET", "/app/dashboard"): member_data("ServiceRequest", O.SEARCH, S, G, A, X),
    ("GET", "/app/queue"): member_data("ServiceRequest", O.SEARCH, S, X),
    ("POST", "/app/queue/optimizer"): member_data("ServiceRequest", O.SEARCH, S, X),
    ("POST", "/app/queue/optimizer/apply"): member_data("ServiceRequest", O.SEARCH, S, X),
    ("GET", "/app/requests"): allow(S, G, X),
    # Therapists open their own patients' requests (the row rules keep them to those).
    ("GET", "/app/requests/{request_id}"): member_data("ServiceRequest", O.REQUEST, T, S, G, X),
    # The printable evidence of one request (docs/adr/0013); auditors read it de-identified.
    ("GET", "/app/requests/{request_id}/evidence"): member_data(
        "ServiceRequest", O.REQUEST, T, S, G, A, X
    ),
    ("POST", "/app/requests/{request_id}/book"): member_data("ServiceRequest", O.REQUEST, S, X),
    ("POST", "/app/requests/{request_id}/decline"): member_data("ServiceRequest", O.REQUEST, S, X),
    ("POST", "/app/requests/{request_id}/offers/{offer_id}"): member_data(
        "ServiceRequest", O.REQUEST, S, X
    ),
    # Only the treating or referring clinician documents one (docs/adr/0013).
    ("POST", "/app/requests/{request_id}/exception"): member_data("ServiceRequest", O.REQUEST, T),
    ("POST", "/app/requests/{request_id}/refer"): member_data("ServiceRequest", O.REQUEST, S, X),
    # What the member said (a later date, a withdrawal), recorded by staff with the channel
    # and contact note, and the plan's prior-authorisation determination: the roles the API
    # allows on `$prefer-later`, `$withdraw` and `$prior-authorization` that open this page
    # (docs/adr/0013, 2026-12-07 evening; docs/adr/0016, 2026-12-07 (night)).
    ("POST", "/app/requests/{request_id}/prefer-later"): member_data(
        "ServiceRequest", O.REQUEST, S, X
    ),
    ("POST", "/app/requests/{request_id}/withdraw"): member_data("ServiceRequest", O.REQUEST, S, X),
    ("POST", "/app/requests/{request_id}/prior-authorization"): member_data(
        "ServiceRequest", O.REQUEST, T, S, X
    ),
    # A scheduler claims a queue row while working it (docs/adr/0016-pages-for-each-role.md).
    ("POST", "/app/requests/{request_id}/claim"): member_data("ServiceRequest", O.REQUEST, S, X),
    ("GET", "/app/clinicians"): member_data("Appointment", O.SEARCH, T, S, G, X),
    ("GET", "/app/week"): allow(T, S, G, X),
    ("GET", "/app/clinicians/{clinician_id}/week"): member_data(
        "Appointment", O.CLINICIAN, T, S, G, X
    ),
    ("POST", "/app/clinicians/{clinician_id}/week/book"): member_data(
        "Appointment", O.CLINICIAN, S, X
    ),
    # Leave cancels the visits under it and names their members: member data, audited, each
    # member in the caller's scope (docs/adr/0012, attack probe of 2026-12-07).
    ("POST", "/app/clinicians/{clinician_id}/pto"): member_data(
        "Appointment", O.CLINICIAN, T, S, X
    ),
    ("GET", "/app/plan"): allow(G, A, X),
    ("POST", "/app/plan/detect"): allow(G, X),
    # From the dashboard and plan pages (docs/adr/0016-pages-for-each-role.md): open a
    # finding from any row; CSV of the dashboard's tables and of the plan.
    ("POST", "/app/plan/findings"): allow(G, X),
    ("GET", "/app/dashboard/export"): allow(S, G, A, X),
    ("GET", "/app/plan/export"): allow(G, A, X),
    ("POST", "/app/plan/findings/{finding_id}/actions"): allow(G, X),
    ("POST", "/app/plan/actions/{action_id}/move"): allow(G, X),
    ("GET", "/app/scenarios"): allow(G, X),
    ("POST", "/app/scenarios/run"): allow(G, X),
    ("POST", "/app/scenarios/load"): allow(G, X),
    ("GET", "/app/me"): member_data("Patient", O.SELF, M),
    ("POST", "/app/me/requests"): member_data("ServiceRequest", O.SELF, M),
    ("POST", "/app/me/requests/{request_id}/book"): member_data("ServiceRequest", O.SELF, M),
    # The member's own later date or withdrawal, through the portal (docs/adr/0013).
    ("POST", "/app/me/requests/{request_id}/prefer-later"): member_data(
        "ServiceRequest", O.SELF, M
    ),
    ("POST", "/app/me/requests/{request_id}/withdraw"): member_data("ServiceRequest", O.SELF, M),
    ("POST", "/app/me/appointments/{appointment_id}/cancel"): member_data("Appointment", O.SELF, M),
    ("POST", "/app/me/offers/{offer_id}"): member_data("Task", O.SELF, M),
}

# Pages reached through a signed link, without a token: the signature names the offer and
# expires with its hold, so the link is the credential (docs/adr/0009). They show the offer
# to its member and answer it (a booking): member data, audited under the link's holder
# (docs/adr/0012, "2026-12-08 (round nineteen probes)").
SIGNED_LINK = Access(Category.SIGNED_LINK, record="Task")
SIGNED_LINKS: dict[tuple[str, str], Access] = {
    ("GET", "/app/offers/respond"): SIGNED_LINK,
    ("POST", "/app/offers/respond"): SIGNED_LINK,
}

MATRIX: dict[tuple[str, str], Access] = API | PAGES | SIGNED_LINKS
# The API viewers exist only with PARITY_API_DOCS=on (they load a CDN's scripts).
VIEWERS = frozenset({("GET", "/docs"), ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")})


def access_for(method: str, path_template: str) -> Access | None:
    """The declared access of a route, or None (undeclared: denied)."""
    return MATRIX.get((method, path_template))
