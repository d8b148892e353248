"""A seeded synthetic region: clinicians with weekly templates, and members on demand.

Clinicians are spread over clinics in proportion to the members each clinic serves
(county population shared among the county's clinics). Members are not stored: member
`k` is generated from (seed, k) whenever the demand needs them, so a 4.8-million-member
region costs no memory. `scale` shrinks members and clinicians together.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from functools import cached_property
from itertools import accumulate
from typing import Any

from parity.adapters.rules_files import RegionSpec
from parity.domain.contract import ContractTerms
from parity.domain.members import Member
from parity.domain.schedule import BlockKind, TemplateBlock, WeeklyTemplate
from parity.domain.workforce import Clinic, Clinician, Discipline, Modality
from parity.simulation.keyed_draws import Purpose, entity_of, keyed_uniform, purpose_key
from parity.simulation.region_figures import check_meaning

DAY_START_MINUTES = 8 * 60
LUNCH = (12 * 60, 13 * 60)
QUARTER = 15


@dataclass(frozen=True)
class SyntheticRegion:
    spec: RegionSpec
    scale: float
    seed: int
    clinics: tuple[Clinic, ...]
    clinicians: tuple[Clinician, ...]
    templates: tuple[WeeklyTemplate, ...]
    member_count: int
    clinic_weights: tuple[float, ...]

    def member(self, k: int) -> Member:
        """Member `k`, the same every time for the same seed."""
        rng = random.Random(self.seed * 1_000_003 + k)
        clinics, languages, modalities = self._member_draws
        clinic = rng.choices(self.clinics, cum_weights=clinics)[0]
        language = rng.choices(languages[0], cum_weights=languages[1])[0]
        # Members whose language no clinician is hired for are served in English with an
        # interpreter; Spanish speakers ask for a Spanish-speaking clinician.
        language = "spanish" if language == "spanish" else "english"
        modality = Modality(rng.choices(modalities[0], cum_weights=modalities[1])[0])
        accepted = _ACCEPTS[modality]
        return Member(f"m{k}", f"Member {k}", clinic.id, language, accepted)

    @cached_property
    def _member_draws(
        self,
    ) -> tuple[list[float], tuple[list[str], list[float]], tuple[list[str], list[float]]]:
        """The cumulative weights `member` draws clinic, language and modality from, summed
        once (`choices` sums the weights it is given the same way on every call, so the
        draws are the same; one member is made per arrival)."""
        return (
            list(accumulate(self.clinic_weights)),
            _cumulative(self.spec.demand["language_shares"]),
            _cumulative(self.spec.demand["modality_shares"]),
        )


def _cumulative(shares: dict[str, float]) -> tuple[list[str], list[float]]:
    return list(shares), list(accumulate(shares.values()))


_ACCEPTS = {
    Modality.IN_PERSON: (Modality.IN_PERSON,),
    Modality.VIDEO: (Modality.VIDEO, Modality.PHONE),
    Modality.PHONE: (Modality.PHONE, Modality.VIDEO),
}


def _draw(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), list(shares.values()))[0]


def clinic_weights(spec: RegionSpec) -> tuple[float, ...]:
    """Each clinic's share of members: its county's population split among its clinics."""
    per_county = Counter(c.county for c in spec.clinics)
    raw = [spec.county_population.get(c.county, 1) / per_county[c.county] for c in spec.clinics]
    total = sum(raw)
    return tuple(w / total for w in raw)


def build_region(
    spec: RegionSpec,
    contract: ContractTerms,
    scale: float = 1.0,
    seed: int = 7,
    *,
    apportion_mix: bool = False,
) -> SyntheticRegion:
    """Generate clinicians and their templates for a region at `scale`.

    Each clinician's discipline, FTE and Spanish speaking are drawn from the region's
    shares; with `apportion_mix` the region's counts of each are fixed instead (the shares
    times the clinicians, largest remainders) and only who has which is drawn. Paired
    scenario runs use it: their replications should differ by chance events, not by how
    many therapists the plan employs (ADR 0014, "Initial offers at the edge").
    """
    if not 0 < scale <= 1.0:
        raise ValueError("scale must be in (0, 1]")
    check_meaning(spec, f"region {spec.name}")
    rng = random.Random(seed)
    weights = clinic_weights(spec)
    count = max(len(spec.clinics), round(spec.clinicians * scale))
    homes = _apportion(count, weights)
    mix = _fixed_mix(rng, spec.workforce, count) if apportion_mix else None
    clinicians: list[Clinician] = []
    templates: list[WeeklyTemplate] = []
    for clinic, n in zip(spec.clinics, homes, strict=True):
        for _ in range(n):
            number = len(clinicians) + 1
            drawn = _drawn_mix(rng, spec.workforce) if mix is None else mix[number - 1]
            clinician = _clinician_of(drawn, clinic, number)
            clinicians.append(clinician)
            templates.append(weekly_template(clinician, contract, spec.workforce))
    return SyntheticRegion(
        spec,
        scale,
        seed,
        spec.clinics,
        tuple(clinicians),
        tuple(templates),
        round(spec.members * scale),
        weights,
    )


def _apportion(count: int, weights: tuple[float, ...]) -> list[int]:
    """Split `count` by weights, at least one each, largest remainders first."""
    base = [max(1, int(count * w)) for w in weights]
    order = sorted(
        range(len(weights)),
        key=lambda i: count * weights[i] - int(count * weights[i]),
        reverse=True,
    )
    for i in order[: max(0, count - sum(base))]:
        base[i] += 1
    return base


Mix = tuple[str, float, bool]  # discipline, FTE, speaks Spanish


def in_proportion(shares: Sequence[float], count: int) -> list[int]:
    """Split `count` in proportion to `shares` (which need not sum to 1): each its whole
    part, then one more to the largest remainders, first listed first on a tie."""
    total = sum(shares)
    quotas = [share / total * count for share in shares]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(shares)), key=lambda i: counts[i] - quotas[i])
    for i in order[: count - sum(counts)]:
        counts[i] += 1
    return counts


def _fixed_mix(rng: random.Random, workforce: dict[str, Any], count: int) -> list[Mix]:
    """`count` clinicians' discipline, FTE and Spanish, each in the region's proportions,
    assigned in a seeded random order."""
    shares: dict[str, float] = workforce["discipline_shares"]
    spanish = float(workforce.get("spanish_speaking_share", 0.0))
    columns: list[list[Any]] = []
    for values, weights in (
        (list(shares), list(shares.values())),
        (list(workforce["fte_values"]), list(workforce["fte_shares"])),
        ([True, False], [spanish, 1 - spanish]),
    ):
        column = [
            v for v, n in zip(values, in_proportion(weights, count), strict=True) for _ in range(n)
        ]
        rng.shuffle(column)
        columns.append(column)
    return [(str(d), float(f), bool(s)) for d, f, s in zip(*columns, strict=True)]


def _clinician_of(mix: Mix, clinic: Clinic, number: int) -> Clinician:
    discipline, fte, spanish = mix
    return Clinician(
        id=f"c{number:05d}",
        name=f"Clinician {number}",
        discipline=Discipline(discipline),
        fte=fte,
        clinic_ids=(clinic.id,),
        languages=frozenset({"english", "spanish"} if spanish else {"english"}),
        modalities=frozenset(Modality),
    )


def _drawn_mix(rng: random.Random, workforce: dict[str, Any]) -> Mix:
    """One clinician's discipline, FTE and Spanish, each drawn from the region's shares."""
    discipline = _draw(rng, workforce["discipline_shares"])
    fte = rng.choices(workforce["fte_values"], workforce["fte_shares"])[0]
    spanish = rng.random() < workforce.get("spanish_speaking_share", 0.0)
    return (str(discipline), float(fte), spanish)


def _working_days(fte: float) -> list[int]:
    days = max(1, min(5, round(5 * fte)))
    return list(range(days))


def weekly_template(
    clinician: Clinician, contract: ContractTerms, workforce: dict[str, object]
) -> WeeklyTemplate:
    """A realistic week: protected IPC first thing each working day, a meeting block, the
    contract's urgent holds spread over the week, intakes early in the week, follow-ups
    otherwise. The week's length is the contract's direct-care, IPC and meeting hours.

    IPC is laid in whole hours, round-robin over the working days, so each protected hour
    costs exactly one bookable hour; a remainder is rounded up to a quarter hour so the
    week never falls short of the contract's guarantee.
    """
    days = _working_days(clinician.fte)
    ipc_by_day = _spread_ipc(contract.ipc_minutes_per_week(clinician.fte), len(days))
    meeting = round(contract.meeting_hours_per_week_fte * 60 * clinician.fte / QUARTER) * QUARTER
    direct = contract.direct_care_hours_per_week_fte * 60 * clinician.fte
    week = direct + sum(ipc_by_day) + meeting
    minutes_per_day = round(week / len(days) / QUARTER) * QUARTER
    holds = max(1, round(contract.urgent_hold_slots_per_week * clinician.fte))
    urgent_days = {position * len(days) // holds for position in range(holds)}
    session = int(str(workforce.get("session_minutes", 50))) + 10
    intake = int(str(workforce.get("intake_minutes", 75))) + 15
    # Intakes take a calibrated share of direct-care time, one a day from Monday on.
    share = float(str(workforce.get("intake_share_of_direct_care", 0.14)))
    intakes = max(1, intake_count(clinician.id, direct * share / intake))
    blocks: list[TemplateBlock] = []
    for position, day in enumerate(days):
        meeting_today = meeting if position == len(days) - 1 else 0
        intake_today = intake * (intakes // len(days) + (position < intakes % len(days)))
        blocks += _day_blocks(
            clinician.home_clinic_id,
            day,
            minutes_per_day,
            ipc_by_day[position],
            meeting_today,
            (session, session if position in urgent_days else 0),
            (intake_today, intake),
        )
    return WeeklyTemplate(clinician.id, tuple(blocks))


INTAKE_KEY = purpose_key(0, Purpose.INTAKE_ROUNDING)


def intake_count(clinician_id: str, quota: float) -> int:
    """A week's intake slots for a quota of `quota` (direct care x the intake share / the
    slot): its whole part, and one more with the fraction's probability, by a draw keyed
    by the clinician alone (ADR 0014, "Intake slots in proportion to direct care").

    Rounding each clinician to the nearest whole gave every full-time clinician 4 intakes
    under contracts whose quotas are 4.47, 4.07 and 4.33, hiding up to 7 % of the
    difference in intake capacity between contracts. Rounded this way a region's intakes
    are its quotas' sum, up to chance, and the same clinician under two contracts has the
    same draw, so the contract with more direct care never gives them fewer intakes.
    """
    whole = int(quota)
    return whole + (keyed_uniform(INTAKE_KEY, entity_of(clinician_id), 1) < quota - whole)


def _spread_ipc(total: int, days: int) -> list[int]:
    hours, remainder = divmod(total, 60)
    by_day = [60 * (hours // days + (i < hours % days)) for i in range(days)]
    by_day[-1] += -(-remainder // QUARTER) * QUARTER
    return by_day


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _day_blocks(
    clinic_id: str,
    day: int,
    length: int,
    ipc: int,
    meeting: int,
    sessions: tuple[int, int],
    intake: tuple[int, int],
) -> list[TemplateBlock]:
    """Lay one day: IPC, intake (if any), an urgent hold (if any), follow-ups, meeting;
    skip lunch. `sessions` is (session length, urgent minutes held today)."""
    session, urgent = sessions
    plan: list[tuple[BlockKind, int, int]] = [(BlockKind.IPC, ipc, 0)]
    intake_minutes, intake_slot = intake
    if intake_minutes:
        plan.append((BlockKind.INTAKE, intake_minutes, intake_slot))
    if urgent:
        plan.append((BlockKind.URGENT, urgent, session))
    bookable = length - ipc - meeting - sum(m for _, m, _ in plan[1:])
    plan.append((BlockKind.FOLLOW_UP, max(0, bookable) // session * session, session))
    plan.append((BlockKind.ADMIN, meeting, 0))
    blocks: list[TemplateBlock] = []
    cursor = DAY_START_MINUTES
    for kind, minutes, slot in plan:
        cursor, laid = _lay(clinic_id, day, cursor, minutes, kind, slot)
        blocks += laid
    return blocks


def _lay(
    clinic_id: str, day: int, cursor: int, minutes: int, kind: BlockKind, slot: int
) -> tuple[int, list[TemplateBlock]]:
    """Lay `minutes` of one kind from `cursor`, split around lunch on whole slots."""
    laid: list[TemplateBlock] = []
    while minutes > 0:
        if LUNCH[0] <= cursor < LUNCH[1]:
            cursor = LUNCH[1]
        room = LUNCH[0] - cursor if cursor < LUNCH[0] else 24 * 60 - cursor
        step = slot or 1
        take = min(minutes, room // step * step) if cursor < LUNCH[0] else minutes
        if take <= 0:
            cursor = LUNCH[1]
            continue
        laid.append(
            TemplateBlock(day, _clock(cursor), _clock(cursor + take), kind, clinic_id, slot)
        )
        cursor += take
        minutes -= take
    return cursor, laid
