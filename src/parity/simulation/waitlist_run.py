"""The simulator with the waitlist switched on (ADR 0009).

The same engine, policy and seed; the differences are the waitlist's: a request with no
timely slot waits for a freed one instead of being referred at once, every slot a member
cancellation frees is offered to the request that needs it most (the simulated member
accepts with `accept_share`, else the next candidate is offered), and each day starts
with the sweep that refers out of network whatever is still waiting near its deadline.
Clinic cancellations free no slot here: the clinician is unavailable.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from parity.adapters.message_files import load_outreach, messages_file
from parity.domain.care import CancelledBy
from parity.domain.users import Principal, Role
from parity.services.offers import AnswerOffer, respond_to_offer
from parity.services.policy import Policy
from parity.services.waitlist import offer_freed_slot
from parity.services.waitlist_sweep import refer_overdue
from parity.simulation.engine import Simulation, SimulationRun
from parity.simulation.keyed_draws import Purpose

SIMULATED_MEMBER = "member (simulated)"


def accept_share() -> float:
    with messages_file().open("rb") as handle:
        return float(tomllib.load(handle)["simulation"]["accept_share"])


def waitlist_policy(policy: Policy) -> Policy:
    """The policy with the packaged waitlist rules, switched on."""
    rules, messages = load_outreach()
    on = replace(rules, enabled=True, wait_before_referral=True)
    return replace(policy, waitlist=on, messages=messages)


class WaitlistSimulation(Simulation):
    def _own_policy(self, policy: Policy) -> Policy:
        return waitlist_policy(policy)

    def _prepare(self) -> None:
        # Each answer is keyed by the offered member's episode (ADR 0014); this stream is
        # for an offer outside any episode.
        self.unkeyed[Purpose.OFFER_ANSWER] = random.Random(self.config.seed + 1)
        self.accept_share = accept_share()
        self.offers_made = 0
        self.offers_accepted = 0
        self.timely_accepted = 0

    def run(
        self,
        on_day: Callable[[int, int], None] | None = None,
        before_day: Callable[[date], None] | None = None,
    ) -> SimulationRun:
        def sweep(day: date) -> None:
            refer_overdue(self.uow, self.clock, self.policy)
            if before_day is not None:
                before_day(day)

        return super().run(on_day, sweep)

    def _on_member_cancel(self, appointment_id: int) -> None:
        """As the engine's, except that the freed slot goes to the waitlist before the
        cancelling member books again (they asked for another time, not this one)."""
        cancelled = self._cancel(appointment_id, CancelledBy.MEMBER, "member rescheduled")
        if cancelled is None:
            return
        self._offer_freed(cancelled.slot_id, cancelled.request_id)
        self._continue(cancelled, rescheduled=True)

    def _member_of(self, request_id: int) -> Principal:
        """The simulated member who answers their own offer, through the portal."""
        member = self._read(lambda uow: uow.requests.get(request_id).member_id)
        return Principal(SIMULATED_MEMBER, Role.MEMBER, member_id=member)

    def _offer_freed(self, slot_id: int, cancelled_request: int) -> None:
        offer = offer_freed_slot(
            slot_id, self.uow, self.clock, self.policy, exclude_request=cancelled_request
        )
        while offer is not None:
            self.offers_made += 1
            accept = self.draw(Purpose.OFFER_ANSWER, offer.request_id) < self.accept_share
            cmd = AnswerOffer(offer.id, accept, self._member_of(offer.request_id))
            answer = respond_to_offer(cmd, self.uow, self.clock, self.policy)
            if answer.decision is not None:
                self.offers_accepted += 1
                self.timely_accepted += answer.offer.timely
                self._after(answer.decision)
            offer = answer.next_offer
