"""The simulator with the waitlist on: the same engine and seed, requests wait for freed
slots instead of being referred at once, and nothing waits silently past its deadline."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from parity.adapters.rules_files import load_region
from parity.bootstrap import build_policy
from parity.config import Settings
from parity.domain.care import AppointmentStatus, RequestStatus
from parity.domain.waitlist import WaitStatus
from parity.simulation.engine import SimulationConfig
from parity.simulation.region import build_region
from parity.simulation.waitlist_run import WaitlistSimulation

CONFIG = SimulationConfig(weeks=3, warmup_weeks=2, start=date(2026, 3, 2), seed=7)


def _run() -> WaitlistSimulation:
    settings = Settings(region="demo", seed=7)
    policy = build_policy(settings)
    region = build_region(load_region("demo"), policy.contract, 0.5, 7)
    simulation = WaitlistSimulation(region, policy, CONFIG)
    simulation.run()
    return simulation


def test_requests_with_no_timely_slot_wait_and_are_referred_before_their_deadline() -> None:
    simulation = _run()
    uow = simulation.uow
    tz = simulation.policy.rules.timezone
    last_sweep = datetime.combine(CONFIG.end - timedelta(days=1), time(0), tzinfo=tz)
    entries = uow.waitlist.list()
    assert entries, "the demo region leaves some requests without a timely slot"
    for entry in entries:
        request = uow.requests.get(entry.request_id)
        for referral in uow.referrals.where(request_id=request.id):
            assert referral.created_at < request.effective_deadline
        if entry.status is WaitStatus.WAITING:
            # Still waiting at the end only while there is time left to refer it out: it
            # joined with time to spare, and the last daily sweep did not find it due.
            limit = request.effective_deadline - simulation.policy.waitlist.refer_before
            assert request.status is RequestStatus.OPEN
            assert limit > entry.joined_at
            assert limit > last_sweep or entry.joined_at > last_sweep


def test_no_request_is_both_referred_and_booked() -> None:
    uow = _run().uow
    for request in uow.requests.list():
        booked = any(
            a.status is not AppointmentStatus.CANCELLED
            for a in uow.appointments.where(request_id=request.id)
        )
        assert not (booked and uow.referrals.where(request_id=request.id))
