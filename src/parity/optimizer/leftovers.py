"""A second flow over what is left: the requests still unplaced, the slots still free.

After the repair, each member's placed visits are fixed, so they become holes in the
member's windows (as pinned visits are) and the leftovers are again a pure assignment:
some requests the repair could not fit get a slot the first flow had given to nobody.
The same pass with windows past the deadline gives late proposals: the least-late slot,
offered alongside the out-of-network referral (never booked silently), each business day
late priced at `late_per_business_day`. Two leftovers of one member may still clash; the
later one in request order is then dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from parity.optimizer.feasibility import AgendaVisit, member_violations
from parity.optimizer.flow import clinician_bands, priced_network, solve_flow
from parity.optimizer.reach import Reaches


def fixed_visits(reaches: Reaches, placed: dict[int, int]) -> dict[str, list[AgendaVisit]]:
    """Each member's pinned visits and the visits placed so far."""
    rules, requests, slots = reaches.rules, reaches.problem.requests, reaches.catalog.slots
    visits: defaultdict[str, list[AgendaVisit]] = defaultdict(list)
    for member, pinned in rules.pinned_visits.items():
        visits[member] += pinned
    for position, slot in placed.items():
        request, found = requests[position], slots[slot]
        visits[request.member_id].append(rules.visit(request, found))
    return visits


def second_pass(
    reaches: Reaches,
    placed: dict[int, int],
    positions: Sequence[int],
    medium: Sequence[int],
    *,
    late: bool,
) -> dict[int, int]:
    """Position -> slot index for the leftovers that fit around everything placed."""
    problem, catalog = reaches.problem, reaches.catalog
    if not positions or (late and problem.limits.late_allowance_business_days <= 0):
        return {}
    visits = fixed_visits(reaches, placed)
    around = Reaches(catalog, reaches.rules, visits)
    available = np.ones(len(catalog), dtype=bool)
    available[list(placed.values())] = False
    requests = [problem.requests[p] for p in positions]
    bands = clinician_bands(catalog, placed.values())
    costs = [medium[p] for p in positions]
    network = priced_network(around, requests, costs, bands, available, late=late)
    found = solve_flow(network, len(requests)).placed
    kept: dict[int, int] = {}
    for offset, slot in sorted(found.items()):
        request, chosen = requests[offset], catalog.slots[slot]
        visit = reaches.rules.visit(request, chosen)
        if not member_violations(visit, visits[request.member_id], reaches.rules):
            visits[request.member_id].append(visit)
            kept[positions[offset]] = slot
    return kept
