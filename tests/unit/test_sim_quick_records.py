"""`quick_init` (domain/records.py): a frozen record built by the quicker constructor is the
same record the dataclass's own constructor builds, and stays frozen."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

import pytest

from parity.domain.availability import SlotQuery
from parity.domain.care import Action, Decision, Explanation
from parity.domain.records import quick_init
from parity.domain.schedule import BlockKind
from parity.domain.workforce import Modality, ProviderClass

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class Plain:
    """The same shape, built the dataclass's way: the reference."""

    a: int
    b: str
    c: tuple[int, ...] = ()
    d: datetime | None = None


@quick_init
@dataclasses.dataclass(frozen=True, slots=True)
class Quick:
    a: int
    b: str
    c: tuple[int, ...] = ()
    d: datetime | None = None


def _values(record: object) -> tuple[object, ...]:
    return tuple(getattr(record, f.name) for f in dataclasses.fields(record))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1, "x"), {}), ((1, "x", (2, 3)), {}), ((1,), {"b": "y", "d": AT}), ((), {"a": 4, "b": "z"})],
)
def test_a_quick_record_holds_what_the_dataclass_constructor_would(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    quick, plain = Quick(*args, **kwargs), Plain(*args, **kwargs)  # type: ignore[arg-type]
    assert type(quick) is Quick
    assert _values(quick) == _values(plain)
    assert quick == Quick(*args, **kwargs)  # type: ignore[arg-type]
    assert hash(quick) == hash(Quick(*args, **kwargs))  # type: ignore[arg-type]
    assert dataclasses.replace(quick, a=9).a == 9
    assert pickle.loads(pickle.dumps(quick)) == quick


def test_a_quick_record_stays_frozen_and_refuses_wrong_arguments() -> None:
    quick = Quick(1, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.a = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        Quick(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick(1, "x", (), None, 5)  # type: ignore[call-arg]
    assert _values(quick) == (1, "x", (), None)


def test_a_default_factory_makes_a_new_value_for_each_record_left_to_it() -> None:
    @quick_init
    @dataclasses.dataclass(frozen=True, slots=True)
    class Made:
        a: int
        b: list[int] = dataclasses.field(default_factory=list)

    first, second, given = Made(1), Made(2), Made(3, [4])
    assert first.b == []
    assert second.b == []
    assert first.b is not second.b
    assert given.b == [4]


def test_a_subclass_is_built_its_own_way_and_keeps_its_class() -> None:
    @dataclasses.dataclass(frozen=True)
    class Wider(Quick):
        e: int = 0

    wider = Wider(1, "x", e=3)
    assert type(wider) is Wider
    assert (wider.a, wider.b, wider.e) == (1, "x", 3)


def test_shapes_it_cannot_build_are_refused_when_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match="frozen slotted"):

        @quick_init
        @dataclasses.dataclass(frozen=True)
        class NoSlots:
            a: int

    with pytest.raises(TypeError, match="plain fields"):

        @quick_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class KeywordOnly:
            a: int = dataclasses.field(kw_only=True)

    with pytest.raises(TypeError, match="__post_init__"):

        @quick_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class Checked:
            a: int

            def __post_init__(self) -> None:
                pass


def test_the_engine_records_hold_their_arguments_field_by_field() -> None:
    explanation = Explanation("rule", {"pool": 3}, "10 business days", AT)
    decision = Decision(7, Action.BOOKED, "std", "cite", AT, explanation, True, 3, 4, None, AT)
    query = SlotQuery(
        (BlockKind.INTAKE,), ProviderClass.THERAPIST, "english", (Modality.VIDEO,), "n", AT, AT
    )
    assert _values(explanation) == ("rule", {"pool": 3}, "10 business days", AT, None, "", "", None)
    assert _values(decision) == (
        7,
        Action.BOOKED,
        "std",
        "cite",
        AT,
        explanation,
        True,
        3,
        4,
        None,
        AT,
    )
    assert _values(query) == (
        (BlockKind.INTAKE,),
        ProviderClass.THERAPIST,
        "english",
        (Modality.VIDEO,),
        "n",
        AT,
        AT,
        None,
    )
    assert hash(query) == hash(dataclasses.replace(query))
