"""Use cases that open, document and refer care requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parity.domain.calendar import by_deadline
from parity.domain.care import (
    LONGEST_DEFERRAL,
    CareRequest,
    Channel,
    ClinicalException,
    MembersWord,
    OfferResponse,
    Referral,
    RequestStatus,
    follow_up_clock_start,
)
from parity.domain.errors import InvalidInput, InvalidTransition, NotFound
from parity.domain.members import Member
from parity.domain.ports import Clock, UnitOfWork
from parity.domain.records import quick_init
from parity.domain.standards import VisitType
from parity.domain.users import Forbidden, Principal, Role
from parity.domain.workforce import Modality, ProviderClass
from parity.services.policy import Policy
from parity.services.prior_authorization import authorize


@quick_init  # built once or more per booking decision (ADR 0014, sixth pass)
@dataclass(frozen=True, slots=True)
class RequestCare:
    member_id: str
    visit: VisitType
    provider_class: ProviderClass
    language: str
    modalities: tuple[Modality, ...]
    clinic_id: str
    requested_at: datetime | None = None
    preferred_clinician_id: str | None = None
    prior_authorization: bool = False
    prior_appointment_start: datetime | None = None
    not_before: datetime | None = None
    course_id: int | None = None
    prior_appointment_id: int | None = None
    # Who determined the prior authorisation `prior_authorization` claims: a staff or
    # clinical principal, never the member (docs/adr/0013, 2026-12-07 evening).
    prior_authorized_by: Principal | None = None

    @classmethod
    def of_member(
        cls,
        member: Member,
        visit: VisitType,
        provider_class: ProviderClass,
        *,
        prior_authorization: bool = False,
        prior_authorized_by: Principal | None = None,
    ) -> RequestCare:
        """A member asking in their own language, for their modalities, at their clinic; a
        prior authorisation with the principal who determined it."""
        return cls(
            member.id,
            visit,
            provider_class,
            member.language,
            member.modalities,
            member.clinic_id,
            prior_authorization=prior_authorization,
            prior_authorized_by=prior_authorized_by,
        )


def open_request(cmd: RequestCare, uow: UnitOfWork, clock: Clock, policy: Policy) -> CareRequest:
    """Open a care request: pick its standard, start its clock, fix its deadline."""
    with uow:
        request = new_request(cmd, uow, clock, policy)
        uow.commit()
    return request


def new_request(cmd: RequestCare, uow: UnitOfWork, clock: Clock, policy: Policy) -> CareRequest:
    """Build and store a request inside the caller's transaction."""
    _validate(cmd)
    uow.clinics.get(cmd.clinic_id)
    requested_at = cmd.requested_at or clock.now()
    clock_start = _clock_start(cmd, uow) or requested_at
    authorizer = _authorizer(cmd)
    standard, deadline = policy.rules.governing(cmd.visit, cmd.provider_class, clock_start)
    # Never before the request, and a follow-up never before the visit it follows.
    not_before = max(requested_at, clock_start, cmd.not_before or requested_at)
    request = CareRequest(
        cmd.member_id,
        cmd.visit,
        cmd.provider_class,
        cmd.language,
        cmd.modalities,
        cmd.clinic_id,
        requested_at,
        standard.name,
        clock_start,
        deadline,
        not_before,
        cmd.preferred_clinician_id,
        False,
        cmd.course_id,
        cmd.prior_appointment_id,
    )
    if authorizer is not None:
        authorize(request, authorizer, clock.now(), policy)
    return uow.requests.add(request)


def _authorizer(cmd: RequestCare) -> Principal | None:
    """The principal behind a prior authorisation the request claims: none claimed, none;
    claimed without one, refused (a flag is not a determination)."""
    if not cmd.prior_authorization:
        return None
    if cmd.prior_authorized_by is None:
        raise InvalidInput(
            "a prior authorisation is a determination: say who made it (a staff or clinical "
            "user), it is recorded with the time"
        )
    return cmd.prior_authorized_by


def _clock_start(cmd: RequestCare, uow: UnitOfWork) -> datetime | None:
    """SB 221: a follow-up's clock starts at the prior appointment, not at the request; when
    that appointment is on record, its record says when (docs/adr/0013, 2026-12-07)."""
    if cmd.visit is not VisitType.FOLLOW_UP:
        return None
    if cmd.prior_appointment_id is None:
        return cmd.prior_appointment_start  # a visit outside Parity: as the caller has it
    prior = uow.appointments.get(cmd.prior_appointment_id)
    if prior.member_id != cmd.member_id:
        raise InvalidInput(
            f"appointment {prior.id} is another member's: a follow-up follows the member's own"
        )
    return follow_up_clock_start(prior)


def _validate(cmd: RequestCare) -> None:
    if not cmd.member_id:
        raise InvalidInput("a care request needs a member")
    if not cmd.modalities:
        raise InvalidInput("a care request needs at least one acceptable modality")
    if not cmd.language:
        raise InvalidInput("a care request needs a language")
    if cmd.visit is VisitType.FOLLOW_UP and cmd.prior_appointment_start is None:
        raise InvalidInput("a follow-up request needs the prior appointment's start (SB 221 clock)")
    for instant in (cmd.requested_at, cmd.prior_appointment_start, cmd.not_before):
        if instant is not None and instant.tzinfo is None:
            raise InvalidInput("times must carry a time zone")


@dataclass(frozen=True, slots=True)
class RecordClinicalException:
    """A clinician's determination: `author` is the signed-in principal, never a name typed
    into a form; the time is the server's."""

    request_id: int
    author: Principal
    reason: str
    extended_deadline: datetime


def record_clinical_exception(
    cmd: RecordClinicalException, uow: UnitOfWork, clock: Clock
) -> ClinicalException:
    """Document that a longer wait will not harm the member (28 CCR §1300.67.2.2(c)(5)(G))."""
    with uow:
        exception = document_exception(cmd, uow, clock)
        uow.commit()
    return exception


def document_exception(
    cmd: RecordClinicalException, uow: UnitOfWork, clock: Clock
) -> ClinicalException:
    """Record the treating or referring clinician's determination. Documented after the
    legal deadline it is kept as a late determination and the deadline stays where it was."""
    if not cmd.reason.strip():
        raise InvalidInput("a clinical exception needs its reason on record")
    if cmd.extended_deadline.tzinfo is None:
        raise InvalidInput("the extended deadline must carry a time zone")
    request = uow.requests.get(cmd.request_id)
    clinician_id = _determining_clinician(cmd.author, request, uow)
    _check_extension(request, cmd.extended_deadline)
    now = clock.now()
    late = not by_deadline(now, request.deadline)
    if not late:
        request.extended_deadline = cmd.extended_deadline
        uow.requests.save(request)
    exception = ClinicalException(
        request.id,
        cmd.author.subject,
        now,
        cmd.reason.strip(),
        cmd.extended_deadline,
        author_role=cmd.author.role.value,
        clinician_id=clinician_id,
        late=late,
    )
    return uow.clinical_exceptions.add(exception)


def _check_extension(request: CareRequest, extended: datetime) -> None:
    if extended <= request.deadline:
        raise InvalidInput("a clinical exception must extend the deadline, not shorten it")
    if extended > request.deadline + LONGEST_DEFERRAL:
        raise InvalidInput(
            f"a clinical exception may extend a deadline by at most {LONGEST_DEFERRAL.days} days; "
            "a longer wait is a new request, not an exception"
        )


def _determining_clinician(who: Principal, request: CareRequest, uow: UnitOfWork) -> str:
    """Only a clinician who treats the member or referred them may determine that a longer
    wait will not harm them; a scheduler, a manager or an administrator may not."""
    if who.role is not Role.THERAPIST or not who.clinician_id:
        raise Forbidden(
            f"a {who.role} may not document a clinical exception: only the member's treating "
            "or referring clinician may"
        )
    if who.clinician_id not in care_team(request, uow):
        raise Forbidden(
            f"clinician {who.clinician_id} neither treats nor referred member {request.member_id}"
        )
    return who.clinician_id


def care_team(request: CareRequest, uow: UnitOfWork) -> set[str]:
    """The clinicians who treat or referred the member: the request's preferred clinician,
    the clinician of its prior appointment, those of the member's visits and courses."""
    team = {a.clinician_id for a in uow.appointments.where(member_id=request.member_id)}
    team |= {c.clinician_id for c in uow.courses.where(member_id=request.member_id)}
    if request.preferred_clinician_id:
        team.add(request.preferred_clinician_id)
    return team


@dataclass(frozen=True, slots=True)
class ReferOutOfNetwork:
    """Arrange out-of-network care: who arranged it (the signed-in user), the outside
    provider, and the outside appointment when it is known."""

    request_id: int
    reason: str
    made_by: str  # no default: the evidence names the person who arranged it (ADR 0013)
    outside_provider: str = ""
    appointment_at: datetime | None = None


def refer_out_of_network(cmd: ReferOutOfNetwork, uow: UnitOfWork, clock: Clock) -> Referral:
    """Arrange out-of-network care at in-network cost sharing (SB 855, H&S §1374.72)."""
    if cmd.appointment_at is not None and cmd.appointment_at.tzinfo is None:
        raise InvalidInput("the outside appointment must carry a time zone")
    if not cmd.made_by.strip():
        raise InvalidInput("a referral must say who arranged it")
    with uow:
        request = uow.requests.get(cmd.request_id)
        referral = create_referral(request, cmd.reason, {"by": cmd.made_by}, uow, clock)
        referral.made_by = cmd.made_by
        referral.outside_provider = cmd.outside_provider.strip()
        if cmd.appointment_at is not None:
            _arranged_after(cmd.appointment_at, referral)
        referral.appointment_at = cmd.appointment_at
        uow.referrals.save(referral)
        uow.commit()
    return referral


@dataclass(frozen=True, slots=True)
class RecordReferralAppointment:
    """The outside appointment a referral led to, once the outside provider confirms it."""

    referral_id: int
    outside_provider: str
    appointment_at: datetime


def record_referral_appointment(cmd: RecordReferralAppointment, uow: UnitOfWork) -> Referral:
    """Keep where and when the member is seen out of network, so the report can say
    whether the referral was arranged within the standard."""
    if cmd.appointment_at.tzinfo is None:
        raise InvalidInput("the outside appointment must carry a time zone")
    if not cmd.outside_provider.strip():
        raise InvalidInput("name the outside provider")
    with uow:
        referral = uow.referrals.get(cmd.referral_id)
        _arranged_after(cmd.appointment_at, referral)
        referral.outside_provider = cmd.outside_provider.strip()
        referral.appointment_at = cmd.appointment_at
        uow.referrals.save(referral)
        uow.commit()
    return referral


def _arranged_after(appointment_at: datetime, referral: Referral) -> None:
    """Seen outside before being sent there is no visit the referral arranged: counted, it
    would be care within the standard that nobody arranged."""
    if appointment_at < referral.created_at:
        raise InvalidInput(
            f"the outside appointment {appointment_at.isoformat()} is before the referral "
            f"was made ({referral.created_at.isoformat()}): give the visit the referral "
            "arranged"
        )


def create_referral(
    request: CareRequest, reason: str, explanation: dict[str, object], uow: UnitOfWork, clock: Clock
) -> Referral:
    if request.status is not RequestStatus.OPEN:
        raise InvalidTransition(
            f"request {request.id} is {request.status}; only open requests are referred"
        )
    request.status = RequestStatus.REFERRED
    uow.requests.save(request)
    referral = Referral(
        request.id,
        request.member_id,
        clock.now(),
        request.effective_deadline,
        reason,
        dict(explanation),
        made_by=str(explanation.get("by", "booking engine")),
    )
    return uow.referrals.add(referral)


@dataclass(frozen=True, slots=True)
class PreferLater:
    """The member asks for a date after the one the plan can offer: their choice, kept
    as evidence with who recorded it (`by`: the signed-in member, or the staff member they
    told), the channel it came by and, recorded by staff, the contact note (`MembersWord`)."""

    request_id: int
    preferred_from: datetime
    by: Principal
    channel: Channel | None = None
    note: str = ""


def prefer_later_date(cmd: PreferLater, uow: UnitOfWork, clock: Clock) -> CareRequest:
    """Record the member's own later date. The request stays open and is booked from that
    date, and is never referred out of network "for no capacity" because of it. It is
    compliant only where a timely appointment had been offered before it
    (`domain.compliance`; docs/adr/0013, 2026-12-07 evening). Each date is kept as its own
    record (`uow.later_dates`), the latest in force; one earlier than the date in force is
    taken too: the member changed their mind (docs/adr/0013, 2026-12-08)."""
    if cmd.preferred_from.tzinfo is None:
        raise InvalidInput("the preferred date must carry a time zone")
    said = members_word("a member's later date", cmd.by, cmd.channel, cmd.note)
    with uow:
        request = uow.requests.get(cmd.request_id)
        _acting_for(request, cmd.by)
        now = clock.now()
        request.check_later_date(cmd.preferred_from, now)  # the date first, then the offers
        _no_offer_waiting(request, uow)
        given = request.prefer_later(cmd.preferred_from, cmd.by.subject.strip(), now, said)
        uow.requests.save(request)
        uow.later_dates.append(given)  # every date kept, never written over
        uow.commit()
    return request


@dataclass(frozen=True, slots=True)
class WithdrawRequest:
    """The member withdraws: who recorded it (`by`: the signed-in member, or the staff
    member they told), the channel it came by and, recorded by staff, the contact note
    (`MembersWord`)."""

    request_id: int
    by: Principal
    channel: Channel | None = None
    note: str = ""


def withdraw_request(cmd: WithdrawRequest, uow: UnitOfWork, clock: Clock) -> CareRequest:
    """The member no longer wants this care: an open request closes. Withdrawn before its
    deadline it is not counted against the plan."""
    said = members_word("a withdrawal", cmd.by, cmd.channel, cmd.note)
    with uow:
        request = uow.requests.get(cmd.request_id)
        _acting_for(request, cmd.by)
        _no_offer_waiting(request, uow)
        request.withdraw(cmd.by.subject.strip(), clock.now(), said)
        uow.requests.save(request)
        uow.commit()
    return request


def members_word(act: str, by: Principal, channel: Channel | None, note: str) -> MembersWord:
    """The member's word on an act recorded under `by`, the signed-in principal: the member
    themselves (through the portal), or staff, who give the channel and the contact note.
    Who counts as staff is read from the principal's role, never from a flag the caller
    sets (docs/adr/0012, "2026-12-07 (night)")."""
    if not by.subject.strip():
        raise InvalidInput(f"say who recorded {act}")
    staff = by.role is not Role.MEMBER
    return MembersWord.recorded(act, by_staff=staff, channel=channel, note=note)


def _acting_for(request: CareRequest, by: Principal) -> None:
    """A member records acts on their own requests only; another member's request is
    absent to them, as in every scoped read (docs/adr/0012)."""
    if not by.acts_for(request.member_id):
        raise NotFound(
            f"ServiceRequest {request.id} not found", resource="ServiceRequest", id=request.id
        )


def _no_offer_waiting(request: CareRequest, uow: UnitOfWork) -> None:
    """A withdrawal or a later date while an offer awaits the member's answer is refused:
    the answer is recorded first. Otherwise the open offer would stand as refused with no
    refusal on record (a later date counts as a choice against every timely offer made
    before it), and accepting it afterwards would book before the member's own date
    (docs/adr/0012, "2026-12-07 (night)")."""
    if any(o.response is OfferResponse.PENDING for o in uow.offers.where(request_id=request.id)):
        raise InvalidTransition(
            f"request {request.id} has an offer waiting for an answer: record the answer first"
        )
