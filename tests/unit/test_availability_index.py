"""The availability index answers "earliest free matching slot in the window" like a scan would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from parity.domain.availability import REGION, AvailabilityIndex, Serving, SlotQuery, serving
from parity.domain.schedule import BlockKind, Slot, SlotStatus
from parity.domain.workforce import (
    REMOTE_MODALITIES,
    Clinician,
    Discipline,
    Modality,
    ProviderClass,
)

MONDAY = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # 09:00 in Los Angeles

ANA = Clinician(
    "ana", "Ana", Discipline.THERAPIST, 1.0, ("north",), frozenset({"english", "spanish"})
)
BEN = Clinician(
    "ben",
    "Ben",
    Discipline.THERAPIST,
    1.0,
    ("south",),
    frozenset({"english"}),
    frozenset({Modality.IN_PERSON}),
)
CY = Clinician(
    "cy",
    "Cy",
    Discipline.PSYCHIATRIST,
    1.0,
    ("north", "south"),
    frozenset({"english"}),
    frozenset({Modality.VIDEO, Modality.PHONE}),
)
CLINICIANS = {c.id: c for c in (ANA, BEN, CY)}


def slot(
    slot_id: int, who: Clinician, clinic: str, hours_after_monday: float, kind: BlockKind
) -> Slot:
    start = MONDAY + timedelta(hours=hours_after_monday)
    return Slot(who.id, clinic, start, start + timedelta(minutes=50), kind, id=slot_id)


def query(
    *,
    kinds: tuple[BlockKind, ...] = (BlockKind.INTAKE,),
    provider_class: ProviderClass = ProviderClass.THERAPIST,
    language: str = "english",
    modalities: tuple[Modality, ...] = (Modality.IN_PERSON,),
    clinic: str = "north",
    not_before: datetime = MONDAY - timedelta(days=1),
    not_after: datetime = MONDAY + timedelta(days=30),
    clinician_id: str | None = None,
) -> SlotQuery:
    return SlotQuery(
        kinds, provider_class, language, modalities, clinic, not_before, not_after, clinician_id
    )


def index_of(*slots: Slot) -> AvailabilityIndex:
    index = AvailabilityIndex()
    for s in slots:
        index.add(s, CLINICIANS[s.clinician_id])
    return index


def test_it_returns_the_earliest_matching_slot_in_the_window() -> None:
    later = slot(1, ANA, "north", 48, BlockKind.INTAKE)
    earlier = slot(2, ANA, "north", 24, BlockKind.INTAKE)
    index = index_of(later, earlier)
    assert index.earliest(query()) is earlier


def test_it_returns_nothing_when_nothing_matches() -> None:
    assert AvailabilityIndex().earliest(query()) is None


def test_it_matches_the_slot_kind() -> None:
    follow_up = slot(1, ANA, "north", 1, BlockKind.FOLLOW_UP)
    intake = slot(2, ANA, "north", 5, BlockKind.INTAKE)
    index = index_of(follow_up, intake)
    assert index.earliest(query(kinds=(BlockKind.INTAKE,))) is intake
    assert index.earliest(query(kinds=(BlockKind.FOLLOW_UP, BlockKind.INTAKE))) is follow_up


def test_it_matches_the_provider_class() -> None:
    psychiatry = slot(1, CY, "north", 1, BlockKind.INTAKE)
    therapy = slot(2, ANA, "north", 5, BlockKind.INTAKE)
    index = index_of(psychiatry, therapy)
    video = (Modality.VIDEO,)
    assert index.earliest(query(modalities=video)) is therapy
    assert (
        index.earliest(query(modalities=video, provider_class=ProviderClass.PSYCHIATRIST))
        is psychiatry
    )


def test_it_matches_the_language() -> None:
    ben_first = slot(1, BEN, "north", 1, BlockKind.INTAKE)
    ana_later = slot(2, ANA, "north", 5, BlockKind.INTAKE)
    index = index_of(ben_first, ana_later)
    assert index.earliest(query(language="english")) is ben_first
    assert index.earliest(query(language="spanish")) is ana_later
    assert index.earliest(query(language="tagalog")) is None


def test_it_matches_the_modality() -> None:
    # Ben sees people only in person; Cy only by video or phone.
    ben = slot(1, BEN, "north", 1, BlockKind.INTAKE)
    index = index_of(ben)
    assert index.earliest(query(modalities=(Modality.IN_PERSON,))) is ben
    assert index.earliest(query(modalities=(Modality.VIDEO, Modality.PHONE))) is None


def test_an_in_person_visit_must_be_at_the_requested_clinic() -> None:
    south = slot(1, ANA, "south", 1, BlockKind.INTAKE)
    north = slot(2, ANA, "north", 5, BlockKind.INTAKE)
    index = index_of(south, north)
    assert index.earliest(query(clinic="north")) is north
    assert index.earliest(query(clinic="south")) is south


def test_a_remote_visit_may_come_from_any_clinic_in_the_region() -> None:
    south = slot(1, ANA, "south", 1, BlockKind.INTAKE)
    north = slot(2, ANA, "north", 5, BlockKind.INTAKE)
    index = index_of(south, north)
    assert index.earliest(query(clinic="north", modalities=(Modality.VIDEO,))) is south
    assert index.earliest(query(clinic="elsewhere", modalities=(Modality.PHONE,))) is south


def test_it_respects_not_before_and_not_after() -> None:
    slots = [slot(i, ANA, "north", 24 * i, BlockKind.INTAKE) for i in (1, 2, 3)]
    index = index_of(*slots)
    assert index.earliest(query(not_before=slots[1].start)) is slots[1]
    assert index.earliest(query(not_before=slots[1].start + timedelta(seconds=1))) is slots[2]
    assert index.earliest(query(not_after=slots[0].start - timedelta(seconds=1))) is None
    assert index.earliest(query(not_after=slots[0].start)) is slots[0]
    window = query(
        not_before=slots[0].start + timedelta(minutes=1),
        not_after=slots[1].start + timedelta(minutes=1),
    )
    assert index.earliest(window) is slots[1]


def test_a_per_clinician_query_looks_only_at_that_clinician() -> None:
    ana = slot(1, ANA, "north", 5, BlockKind.FOLLOW_UP)
    ben = slot(2, BEN, "south", 1, BlockKind.FOLLOW_UP)
    index = index_of(ana, ben)
    kinds = (BlockKind.FOLLOW_UP,)
    assert index.earliest(query(kinds=kinds, clinician_id="ana")) is ana
    assert index.earliest(query(kinds=kinds, clinician_id="ben", clinic="south")) is ben
    assert index.earliest(query(kinds=kinds)) is ana  # ben is at the other clinic


def test_a_per_clinician_query_still_respects_modality_and_area() -> None:
    # Ben sees people in person only, and this slot of his is at south.
    ben = slot(1, BEN, "south", 1, BlockKind.FOLLOW_UP)
    index = index_of(ben)
    kinds = (BlockKind.FOLLOW_UP,)
    assert index.earliest(query(kinds=kinds, clinician_id="ben", clinic="north")) is None
    video = (Modality.VIDEO,)
    assert index.earliest(query(kinds=kinds, clinician_id="ben", modalities=video)) is None
    # Cy works by video from either clinic: a remote visit may use any of his slots.
    cy = slot(2, CY, "south", 2, BlockKind.FOLLOW_UP)
    index.add(cy, CY)
    assert index.earliest(query(kinds=kinds, clinician_id="cy", modalities=video)) is cy


def test_taking_a_slot_removes_it_and_releasing_restores_it() -> None:
    first = slot(1, ANA, "north", 1, BlockKind.INTAKE)
    second = slot(2, ANA, "north", 2, BlockKind.INTAKE)
    index = index_of(first, second)
    index.take(first.id)
    assert first.id not in index
    assert len(index) == 1
    assert index.earliest(query()) is second
    assert index.earliest(query(modalities=(Modality.VIDEO,))) is second
    assert index.earliest(query(kinds=(BlockKind.INTAKE,), clinician_id="ana")) is second
    index.release(first.id)
    assert first.id in index
    assert index.earliest(query()) is first


def test_taking_or_releasing_twice_changes_nothing_more() -> None:
    first = slot(1, ANA, "north", 1, BlockKind.INTAKE)
    index = index_of(first)
    index.take(first.id)
    index.take(first.id)
    assert index.earliest(query()) is None
    index.release(first.id)
    index.release(first.id)
    assert len(index) == 1
    index.take(first.id)
    assert index.earliest(query()) is None


def test_forgetting_a_slot_drops_it() -> None:
    first = slot(1, ANA, "north", 1, BlockKind.INTAKE)
    index = index_of(first)
    index.forget(first.id)
    assert len(index) == 0
    assert index.earliest(query()) is None


def test_two_slots_at_the_same_time_are_both_found() -> None:
    ana = slot(1, ANA, "north", 1, BlockKind.INTAKE)
    ben = slot(2, BEN, "north", 1, BlockKind.INTAKE)
    index = index_of(ana, ben)
    assert index.earliest(query()) is ana
    index.take(ana.id)
    assert index.earliest(query()) is ben


def test_iter_free_yields_matching_slots_in_start_order() -> None:
    slots = [slot(i, ANA, "north", 7 * (5 - i), BlockKind.INTAKE) for i in (1, 2, 3, 4)]
    index = index_of(*slots)
    found = list(index.iter_free(query()))
    assert [s.start for s in found] == sorted(s.start for s in slots)
    assert len({s.id for s in found}) == 4


# -- the property: the index agrees with a brute-force scan ------------------------------

LANGUAGES = ["english", "spanish", "tagalog"]
CLINICS = ["north", "south"]
KINDS = [BlockKind.INTAKE, BlockKind.FOLLOW_UP, BlockKind.URGENT]


def matches(s: Slot, q: SlotQuery) -> bool:
    """What the index promises, written as plainly as possible."""
    if s.kind not in q.kinds or not q.not_before <= s.start <= q.not_after:
        return False
    who = CLINICIANS[s.clinician_id]
    if q.clinician_id is not None:
        # Continuity of care: the caller has checked class and language; modality and
        # area still apply.
        if s.clinician_id != q.clinician_id:
            return False
    elif who.provider_class is not q.provider_class or q.language not in who.languages:
        return False
    return any(
        m in who.modalities and (m in REMOTE_MODALITIES or s.clinic_id == q.clinic_id)
        for m in q.modalities
    )


def brute_force_earliest(free: list[Slot], q: SlotQuery) -> Slot | None:
    candidates = [s for s in free if matches(s, q)]
    return min(candidates, key=lambda s: (s.start, s.id)) if candidates else None


@st.composite
def random_slots(draw: st.DrawFn) -> list[Slot]:
    count = draw(st.integers(0, 40))
    found = []
    for slot_id in range(1, count + 1):
        who = CLINICIANS[draw(st.sampled_from(sorted(CLINICIANS)))]
        clinic = draw(st.sampled_from(who.clinic_ids))
        # Whole minutes over three weeks, so several slots share a UTC day or a start.
        minutes = draw(st.integers(0, 21 * 24 * 4)) * 15
        start = MONDAY + timedelta(minutes=minutes)
        kind = draw(st.sampled_from(KINDS))
        found.append(Slot(who.id, clinic, start, start + timedelta(minutes=50), kind, id=slot_id))
    return found


@st.composite
def random_queries(draw: st.DrawFn) -> SlotQuery:
    low = MONDAY + timedelta(minutes=draw(st.integers(-24 * 60, 21 * 24 * 60)))
    high = low + timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
    per_clinician = draw(st.booleans())
    return SlotQuery(
        tuple(draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True))),
        draw(st.sampled_from(list(ProviderClass))),
        draw(st.sampled_from(LANGUAGES)),
        tuple(draw(st.lists(st.sampled_from(list(Modality)), min_size=1, max_size=3, unique=True))),
        draw(st.sampled_from(CLINICS)),
        low,
        high,
        draw(st.sampled_from(sorted(CLINICIANS))) if per_clinician else None,
    )


@settings(max_examples=200, deadline=None)
@given(
    slots=random_slots(),
    moves=st.lists(st.tuples(st.booleans(), st.integers(1, 40)), max_size=30),
    queries=st.lists(random_queries(), min_size=1, max_size=5),
)
def test_earliest_agrees_with_a_brute_force_scan_after_any_takes_and_releases(
    slots: list[Slot], moves: list[tuple[bool, int]], queries: list[SlotQuery]
) -> None:
    index = index_of(*slots)
    free = {s.id: s for s in slots}
    by_id = {s.id: s for s in slots}
    for take, slot_id in moves:
        if slot_id not in by_id:
            continue
        if take:
            index.take(slot_id)
            free.pop(slot_id, None)
        else:
            index.release(slot_id)
            free[slot_id] = by_id[slot_id]
    assert len(index) == len(free)
    for q in queries:
        found = index.earliest(q)
        expected = brute_force_earliest(list(free.values()), q)
        assert (found.id if found else None) == (expected.id if expected else None)
        listed = list(index.iter_free(q, per_day=1000))
        assert [s.id for s in listed] == [
            s.id
            for s in sorted(
                (s for s in free.values() if matches(s, q)), key=lambda s: (s.start, s.id)
            )
        ]


@settings(max_examples=200, deadline=None)
@given(
    slots=random_slots(),
    busy=st.sets(st.integers(1, 40)),
    split=st.integers(0, 40),
    queries=st.lists(random_queries(), min_size=1, max_size=5),
)
def test_filing_batches_agrees_with_a_brute_force_scan(
    slots: list[Slot], busy: set[int], split: int, queries: list[SlotQuery]
) -> None:
    for s in slots:
        if s.id in busy:
            s.status = SlotStatus.BUSY
    index = AvailabilityIndex()
    # Two batches per clinician, in any order: later batches may hold earlier keys.
    for batch in (slots[split:], slots[:split]):
        for who in CLINICIANS.values():
            index.add_many([s for s in batch if s.clinician_id == who.id], who)
    free = [s for s in slots if s.id not in busy]
    assert len(index) == len(free)
    for q in queries:
        found = index.earliest(q)
        expected = brute_force_earliest(free, q)
        assert (found.id if found else None) == (expected.id if expected else None)
    for s in slots:
        if s.id in busy:
            index.release(s.id)  # filed, so a release puts it back
    assert len(index) == len(slots)


def test_serving_names_the_first_accepted_modality_the_slot_can_serve() -> None:
    ask = query(modalities=(Modality.IN_PERSON, Modality.VIDEO), clinic="north")
    # Ana offers every modality: in person at the member's own clinic comes first.
    assert serving(ask, slot(1, ANA, "north", 0, BlockKind.INTAKE), ANA) == Serving(
        Modality.IN_PERSON, "north"
    )
    # At another clinic only a remote visit serves the member, for the whole region.
    assert serving(ask, slot(2, ANA, "south", 0, BlockKind.INTAKE), ANA) == Serving(
        Modality.VIDEO, REGION
    )
    # Ben sees people in person only, at south: nothing for a member of north.
    assert serving(ask, slot(3, BEN, "south", 0, BlockKind.INTAKE), BEN) is None
    # Cy is remote only: a member who only accepts phone gets phone.
    phone = query(modalities=(Modality.PHONE,), clinic="south")
    assert serving(phone, slot(4, CY, "north", 0, BlockKind.INTAKE), CY) == Serving(
        Modality.PHONE, REGION
    )


@settings(max_examples=200, deadline=None)
@given(slots=random_slots(), queries=st.lists(random_queries(), min_size=1, max_size=5))
def test_the_index_finds_a_slot_exactly_when_serving_accepts_it(
    slots: list[Slot], queries: list[SlotQuery]
) -> None:
    """One rule: among slots of the right kind, time and clinician, the index files a slot
    where `serving` says it serves the query, and nowhere else."""
    index = index_of(*slots)
    for q in queries:
        listed = {s.id for s in index.iter_free(q, per_day=1000)}
        for s in slots:
            who = CLINICIANS[s.clinician_id]
            eligible = s.kind in q.kinds and q.not_before <= s.start <= q.not_after
            if q.clinician_id is not None:
                eligible = eligible and s.clinician_id == q.clinician_id
            else:
                eligible = (
                    eligible
                    and who.provider_class is q.provider_class
                    and q.language in who.languages
                )
            assert (s.id in listed) == (eligible and serving(q, s, who) is not None)


# Operations in any order: a read makes a pool's day bucket and drops the taken keys it
# meets, so reads interleaved with laying, taking, releasing and forgetting must still
# find exactly the free slots (the lazy filing and taking, ADR 0014, fifth pass).
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("lay"), st.integers(0, 3)),
        st.tuples(st.just("take"), st.integers(1, 40)),
        st.tuples(st.just("release"), st.integers(1, 40)),
        st.tuples(st.just("forget"), st.integers(1, 40)),
        st.tuples(st.just("read"), st.integers(0, 4)),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    slots=random_slots(),
    operations=OPERATIONS,
    queries=st.lists(random_queries(), min_size=5, max_size=5),
)
def test_reads_between_any_other_moves_agree_with_a_brute_force_scan(
    slots: list[Slot], operations: list[tuple[str, int]], queries: list[SlotQuery]
) -> None:
    index = AvailabilityIndex()
    batches = [slots[n::4] for n in range(4)]  # laid in four batches, in any order
    laid: dict[int, Slot] = {}
    free: dict[int, Slot] = {}
    for operation, n in operations:
        if operation == "lay" and not any(s.id in laid for s in batches[n]):
            for who in CLINICIANS.values():
                index.add_many([s for s in batches[n] if s.clinician_id == who.id], who)
            laid.update((s.id, s) for s in batches[n])
            free.update((s.id, s) for s in batches[n])
        elif operation == "take" and n in laid:
            index.take(n)
            free.pop(n, None)
        elif operation == "release" and n in laid:
            index.release(n)
            free[n] = laid[n]
        elif operation == "forget" and n in laid:
            index.forget(n)
            del laid[n]
            free.pop(n, None)
        elif operation == "read":
            q = queries[n]
            found = index.earliest(q)
            expected = brute_force_earliest(list(free.values()), q)
            assert (found.id if found else None) == (expected.id if expected else None)
    assert len(index) == len(free)
    for q in queries:
        expected_ids = [
            s.id
            for s in sorted(
                (s for s in free.values() if matches(s, q)), key=lambda s: (s.start, s.id)
            )
        ]
        assert [s.id for s in index.iter_free(q, per_day=1000)] == expected_ids
        found = index.earliest(q)
        assert (found.id if found else None) == (expected_ids[0] if expected_ids else None)


def test_a_slot_released_after_a_read_dropped_it_is_found_again() -> None:
    first = slot(1, ANA, "north", 24, BlockKind.INTAKE)
    second = slot(2, ANA, "north", 26, BlockKind.INTAKE)
    index = AvailabilityIndex()
    index.add_many([first, second], ANA)
    assert index.earliest(query()) is first  # the read makes the day's buckets
    index.take(first.id)
    assert index.earliest(query()) is second  # and this one drops the taken key
    assert index.earliest(query(clinician_id="ana")) is second
    index.release(first.id)
    assert index.earliest(query()) is first
    assert index.earliest(query(clinician_id="ana")) is first
    assert [s.id for s in index.iter_free(query())] == [1, 2]


def test_a_slot_laid_after_a_read_of_its_day_is_found() -> None:
    later = slot(1, ANA, "north", 30, BlockKind.INTAKE)
    index = AvailabilityIndex()
    index.add_many([later], ANA)
    assert index.earliest(query()) is later
    earlier = slot(2, ANA, "north", 25, BlockKind.INTAKE)
    index.add_many([earlier], ANA)  # the day's buckets exist already: it joins them
    assert index.earliest(query()) is earlier
