"""The copies a SQL repository keeps and hands out (adapters/sql/copies.py): each is what
`copy.copy` gives (a new object of the same class, every slot holding the same value), made
without `copy.copy` for the domain's slotted records; a record a read-ahead built is kept
without a copy, and what a caller changes on a record it got is still not kept
(docs/adr/0017-booking-api-speed.md, fifteenth round). On SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from typing import Any

import pytest
from sql_support import Region
from test_read_ahead import _free_slot, _request

from parity.adapters.sql import SqlUnitOfWork, repositories, slots
from parity.adapters.sql.copies import shallow_copy
from parity.domain.care import RequestStatus
from parity.domain.schedule import SlotStatus


@contextmanager
def _copy_copy_calls() -> Iterator[list[Any]]:
    """Every `copy.copy` call made meanwhile, by what it copied."""
    seen: list[Any] = []
    original = copy.copy

    def counted(item: Any) -> Any:
        seen.append(item)
        return original(item)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(copy, "copy", counted)
        for module in (repositories, slots):  # a module that took the name itself
            if getattr(module, "copy", None) is original:
                patch.setattr(module, "copy", counted)
        yield seen


def _same_copy(made: Any, item: Any) -> None:
    assert made is not item
    assert type(made) is type(item)
    for field in fields(item):
        assert getattr(made, field.name) is getattr(item, field.name)


def test_a_kept_record_is_handed_out_as_copy_copy_would_copy_it(region: Region) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    with uow, _copy_copy_calls() as called:
        uow.read_ahead("proposal", slot.id, request_id)
        request, again = uow.requests.get(request_id), uow.requests.get(request_id)
        kept_slot = uow.slots.get(slot.id)
        _same_copy(again, request)
        _same_copy(shallow_copy(kept_slot), kept_slot)
        assert astuple(copy.copy(request)) == astuple(request)
        assert called == [request]  # only the one asked for here, not the repositories'


def test_what_a_caller_changes_without_saving_is_not_kept(region: Region) -> None:
    uow = region.uow
    assert isinstance(uow, SqlUnitOfWork)
    request_id = _request(region)
    slot = _free_slot(region, request_id)
    with uow:
        uow.read_ahead("proposal", slot.id, request_id)  # kept without a copy
        request = uow.requests.get(request_id)
        request.status = RequestStatus.WITHDRAWN
        changed_slot = uow.slots.get(slot.id)
        changed_slot.status = SlotStatus.BUSY
        assert uow.requests.get(request_id).status is RequestStatus.OPEN
        assert uow.slots.get(slot.id).status is SlotStatus.FREE
        saved = uow.requests.get(request_id)
        saved.status = RequestStatus.WITHDRAWN
        uow.requests.save(saved)
        saved.status = RequestStatus.OPEN  # after the save: not kept either
        assert uow.requests.get(request_id).status is RequestStatus.WITHDRAWN


@dataclass(slots=True)
class _Plain:
    a: Any
    b: Any = None


@dataclass
class _WithDict:
    a: Any


class _WithHook:
    __slots__ = ("a",)

    def __init__(self, a: Any) -> None:
        self.a = a

    def __copy__(self) -> _WithHook:
        return _WithHook(("hooked", self.a))


class _Sub(_Plain):
    __slots__ = ("c",)


def test_the_copy_is_copy_copys_for_every_kind_of_class() -> None:
    shared: list[int] = []
    plain = _Plain(shared, "b")
    made = shallow_copy(plain)
    _same_copy(made, plain)
    assert made.a is shared
    unset = object.__new__(_Plain)
    unset.a = 1  # `b` left unset: copy.copy leaves it unset too
    partial = shallow_copy(unset)
    assert partial.a == 1
    assert not hasattr(partial, "b")
    with_dict = _WithDict(shared)
    _same_copy(shallow_copy(with_dict), with_dict)
    assert shallow_copy(_WithHook(1)).a == ("hooked", 1)
    sub = _Sub(shared, 2)
    sub.c = 3
    copied = shallow_copy(sub)
    assert (type(copied), copied.a, copied.b, copied.c) == (_Sub, shared, 2, 3)
