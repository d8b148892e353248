"""The free slots as arrays, filed in pools by what a request can ask for.

A *family* is what a request must match exactly: slot kind, provider class, language,
modality (in person, or the clinician's set of remote modalities) and slot length. A
*scope* narrows a family to where the clinician works: one clinic, a service area
(county), the whole region, or one clinician at one clinic. In-person families only ever
use the member's clinic; remote ones use every scope, so the flow can price distance and
continuity by which scope a request reaches a slot through. A pool is (family, scope,
part of day or None for the whole day); it holds slot indices sorted by start. Whole-day
pools are filed up front; part-of-day pools are cut from them when a request asks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from parity.domain.schedule import BlockKind
from parity.domain.workforce import REMOTE_MODALITIES, Clinician, Modality, ProviderClass
from parity.optimizer.costs import area_of, distance_cost
from parity.optimizer.feasibility import HardRules
from parity.optimizer.problem import DayPart, OptimizerRequest, OptimizerSlot, Problem
from parity.optimizer.timeline import epoch, part_of

IN_PERSON = "in-person"
ANY = "*"
Family = tuple[BlockKind, ProviderClass, str, str, int]
Scope = tuple[str, ...]
PoolKey = tuple[Family, Scope, DayPart | None]
IntArray = npt.NDArray[np.int64]
REGION: Scope = ("region",)
PARTS = list(DayPart)


def remote_key(modalities: frozenset[Modality] | tuple[Modality, ...]) -> str:
    """The remote modalities of a clinician or request, as one key ('' when none)."""
    return "+".join(sorted(m.value for m in modalities if m in REMOTE_MODALITIES))


def any_of(kind: BlockKind, provider_class: ProviderClass, seconds: int) -> Family:
    """The family of a clinician's own pool: any language, any modality."""
    return (kind, provider_class, ANY, ANY, seconds)


def clinic_scope(clinic_id: str) -> Scope:
    return ("clinic", clinic_id)


def area_scope(area: str) -> Scope:
    return ("area", area)


def clinician_scope(clinician_id: str, clinic_id: str) -> Scope:
    return ("clinician", clinician_id, clinic_id)


def _modality_keys(clinician: Clinician) -> list[str]:
    keys = [IN_PERSON] if Modality.IN_PERSON in clinician.modalities else []
    remote = remote_key(clinician.modalities)
    return [*keys, remote] if remote else keys


def accepts(request: OptimizerRequest, modality: str) -> bool:
    """Whether a request takes a modality key (in person, or a set of remote ones)."""
    if modality == IN_PERSON:
        return Modality.IN_PERSON in request.wants.modalities
    return any(m.value in modality.split("+") for m in request.wants.modalities)


class Catalog:
    """Usable slots (free, clear of protected time, PTO and pinned bookings) as arrays."""

    def __init__(self, problem: Problem, rules: HardRules) -> None:
        self.problem = problem
        self.clinics = {c.id: c for c in problem.clinics}
        self.clinicians = rules.clinicians
        usable = [s for s in problem.slots if not rules.slot_blockers(s)]
        usable.sort(key=lambda s: (s.start, s.id))
        self.slots: tuple[OptimizerSlot, ...] = tuple(usable)
        self.index_of = {s.id: i for i, s in enumerate(usable)}
        self._arrays(usable)
        self.pools: dict[PoolKey, IntArray] = self._file()
        self.families = sorted({key[0] for key in self.pools if key[1][0] != "clinician"})
        self._families_for: dict[tuple[object, ...], list[Family]] = {}

    def _arrays(self, usable: list[OptimizerSlot]) -> None:
        local = [s.start.astimezone(self.problem.timezone) for s in usable]
        self.parts = [part_of(t.time(), self.problem.limits) for t in local]
        self.part_code: IntArray = np.array([PARTS.index(p) for p in self.parts], dtype=np.int64)
        self.day: IntArray = np.array([t.date().toordinal() for t in local], dtype=np.int64)
        self.start: IntArray = np.array([epoch(s.start) for s in usable], dtype=np.int64)
        self.ids: IntArray = np.array([s.id for s in usable], dtype=np.int64)
        self.clinic_ids = sorted(self.clinics)
        clinic_position = {c: i for i, c in enumerate(self.clinic_ids)}
        self.clinic: IntArray = np.array(
            [clinic_position[s.clinic_id] for s in usable], dtype=np.int64
        )
        self.clinician_ids = sorted(self.clinicians)
        self.position = {c: i for i, c in enumerate(self.clinician_ids)}
        self.clinician: IntArray = np.array(
            [self.position[s.clinician_id] for s in usable], dtype=np.int64
        )
        self.clinics_of: defaultdict[str, set[str]] = defaultdict(set)
        for slot in usable:
            self.clinics_of[slot.clinician_id].add(slot.clinic_id)

    def clinician_of(self, slot: OptimizerSlot) -> Clinician:
        return self.clinicians[slot.clinician_id]

    def __len__(self) -> int:
        return len(self.slots)

    def _file(self) -> dict[PoolKey, IntArray]:
        """Whole-day pools, filed per group of alike slots (one clinician, clinic, kind and
        length) rather than slot by slot; slot indices are in start order, so sorting the
        indices sorts each pool by start."""
        groups: defaultdict[tuple[str, str, BlockKind, int], list[int]] = defaultdict(list)
        for index, slot in enumerate(self.slots):
            seconds = int((slot.end - slot.start).total_seconds())
            groups[(slot.clinician_id, slot.clinic_id, slot.kind, seconds)].append(index)
        filed: defaultdict[PoolKey, list[int]] = defaultdict(list)
        for key, indices in groups.items():
            for pool in self._pools_of(*key):
                filed[pool] += indices
        return {key: np.sort(np.array(found, dtype=np.int64)) for key, found in filed.items()}

    def _pools_of(
        self, clinician_id: str, clinic_id: str, kind: BlockKind, seconds: int
    ) -> Iterator[PoolKey]:
        clinician = self.clinicians[clinician_id]
        area = area_of(self.clinics[clinic_id])
        # One pool per clinician and clinic, whatever the language or modality: whether a
        # request may use a clinician is asked of the clinician once (see reach.py).
        yield (
            any_of(kind, clinician.provider_class, seconds),
            clinician_scope(clinician_id, clinic_id),
            None,
        )
        for language in sorted(clinician.languages):
            for modality in _modality_keys(clinician):
                family = (kind, clinician.provider_class, language, modality, seconds)
                yield family, clinic_scope(clinic_id), None
                if modality != IN_PERSON:
                    yield family, area_scope(area), None
                    yield family, REGION, None

    def families_for(self, request: OptimizerRequest) -> list[Family]:
        """The families a request may use: kind, class, language and a modality it accepts."""
        key = (
            request.wants.kinds,
            request.wants.provider_class,
            request.wants.language,
            request.wants.modalities,
        )
        if key not in self._families_for:
            self._families_for[key] = [
                family
                for family in self.families
                if family[0] in request.wants.kinds
                and family[1] is request.wants.provider_class
                and family[2] == request.wants.language
                and accepts(request, family[3])
            ]
        return self._families_for[key]

    def pool(self, key: PoolKey) -> IntArray | None:
        """A pool's slots; a part-of-day pool is cut from its whole-day pool (and kept)."""
        found = self.pools.get(key)
        if found is None and key[2] is not None:
            whole = self.pools.get((key[0], key[1], None))
            if whole is not None:
                found = whole[self.part_code[whole] == PARTS.index(key[2])]
                self.pools[key] = found
        return found

    def feasible_scopes(self, request: OptimizerRequest, family: Family) -> list[Scope]:
        """The scopes that together hold every slot of the family the request may use."""
        return [clinic_scope(request.wants.clinic_id)] if family[3] == IN_PERSON else [REGION]

    def soft_scores(self, request: OptimizerRequest, slots: IntArray) -> IntArray:
        """The soft pair cost of each slot for the request (`pair_cost`, vectorised)."""
        weights = self.problem.weights
        home = self.clinics[request.wants.clinic_id]
        away = np.array(
            [distance_cost(home, self.clinics[c], weights) for c in self.clinic_ids],
            dtype=np.int64,
        )
        scores = away[self.clinic[slots]]
        if request.preferred_clinician_id is not None:
            wanted = self.position.get(request.preferred_clinician_id, -1)
            scores += weights.continuity * (self.clinician[slots] != wanted)
        if request.preferred_parts:
            liked = [PARTS.index(p) for p in request.preferred_parts]
            scores += weights.off_preferred_time * ~np.isin(self.part_code[slots], liked)
        if request.offered_slot_id is not None:
            scores += weights.move_offered * (self.ids[slots] != request.offered_slot_id)
        return scores

    def in_window(self, indices: IntArray, low: int, high: int) -> IntArray:
        """The slots of a pool (sorted by start) that start within [low, high]."""
        starts = self.start[indices]
        first = int(np.searchsorted(starts, low, side="left"))
        last = int(np.searchsorted(starts, high, side="right"))
        return indices[first:last]
