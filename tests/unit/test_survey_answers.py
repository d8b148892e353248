"""The survey answers only what the schedule shows (28 CCR §1300.67.2.2(b)(12)).

The unit region lays three weeks from Monday 2026-06-01. A summer window holds three survey
dates (the first business day of June, July and August, 10:00): only June's falls where a
schedule exists, so only June's providers answer; July and August are not failures
nobody was asked. A provider whose laid schedule is fully booked does answer, and fails.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from unit_support import LOS_ANGELES, Region

from parity.domain.care import Appointment
from parity.domain.standards import VisitType
from parity.domain.survey import NON_URGENT, URGENT
from parity.domain.workforce import Modality
from parity.services.reporting import Period
from parity.services.schedules import materialise
from parity.services.survey import survey_answers

SUMMER = Period(date(2026, 6, 1), date(2026, 9, 1))
JUNE_SURVEY = datetime(2026, 6, 1, 10, 0, tzinfo=LOS_ANGELES)
# The tenth business day after Monday 2026-06-01 (no state-office holiday in between), to
# the end of that day: a therapist's non-urgent deadline.
THERAPY_DEADLINE = datetime(2026, 6, 15, 23, 59, 59, tzinfo=LOS_ANGELES)


def test_only_survey_dates_inside_the_laid_schedule_are_answered(region: Region) -> None:
    answers = survey_answers(region.uow, region.policy, SUMMER)
    assert {a.surveyed_at for a in answers} == {JUNE_SURVEY}
    assert sorted((a.clinician_id, a.appointment_class) for a in answers) == sorted(
        (c, kind) for c in ("ana", "ben", "cy") for kind in (URGENT, NON_URGENT)
    )
    non_urgent = {a.clinician_id: a for a in answers if a.appointment_class == NON_URGENT}
    # By the templates: ana's Wednesday intake at 09:00, ben's Monday intake at 11:00 (10:00
    # starts at the survey instant, so it is not "next"), cy's Friday intake at 13:00.
    assert {c: a.next_available for c, a in non_urgent.items()} == {
        "ana": datetime(2026, 6, 3, 9, 0, tzinfo=LOS_ANGELES),
        "ben": datetime(2026, 6, 1, 11, 0, tzinfo=LOS_ANGELES),
        "cy": datetime(2026, 6, 5, 13, 0, tzinfo=LOS_ANGELES),
    }
    assert non_urgent["ana"].deadline == non_urgent["ben"].deadline == THERAPY_DEADLINE
    assert all(a.within for a in non_urgent.values())


def test_a_provider_booked_solid_through_the_deadline_answers_and_fails(region: Region) -> None:
    # A fourth week laid, so ben's schedule reaches past his non-urgent deadline.
    materialise(region.uow, region.policy, date(2026, 6, 22), 1)
    before = JUNE_SURVEY - timedelta(days=3)
    with region.uow:
        for slot in region.uow.slots.for_clinician(
            "ben", JUNE_SURVEY, JUNE_SURVEY + timedelta(days=60)
        ):
            region.uow.appointments.add(
                Appointment(
                    request_id=0,
                    member_id=f"m-{slot.id}",
                    clinician_id="ben",
                    clinic_id=slot.clinic_id,
                    slot_id=slot.id,
                    start=slot.start,
                    end=slot.end,
                    visit=VisitType.INITIAL,
                    modality=Modality.IN_PERSON,
                    booked_at=before,
                )
            )
        region.uow.commit()
    answers = survey_answers(region.uow, region.policy, SUMMER)
    ben = [a for a in answers if a.clinician_id == "ben"]
    assert {(a.surveyed_at, a.appointment_class) for a in ben} == {
        (JUNE_SURVEY, URGENT),
        (JUNE_SURVEY, NON_URGENT),
    }
    assert [a.next_available for a in ben] == [None, None]
    assert not any(a.within for a in ben)
