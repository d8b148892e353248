"""The waitlist and the messages outbox in SQLite and PostgreSQL: what is stored comes back
the same, a stale claim on an entry is refused, and a message key is sent once."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sql_support import Region, initial_request
from sqlalchemy import Engine

from parity.adapters.sql import SqlUnitOfWork
from parity.domain.errors import InvalidTransition
from parity.domain.members import Member
from parity.domain.messages import ChannelKind, MessageKind, MessageStatus
from parity.domain.waitlist import Preferences, WaitReason, WaitStatus, entry_for
from parity.domain.workforce import Modality
from parity.services.members import register_member
from parity.services.outbox import queue_message
from parity.services.requests import open_request

WANTED = Preferences((0, 2), time(9), time(17, 30), "ana", Modality.VIDEO, "north")


def _waiting(region: Region) -> int:
    request = open_request(initial_request("m1"), region.uow, region.clock, region.policy)
    with region.uow:
        entry = entry_for(request, WaitReason.NO_TIMELY_SLOT, region.clock.now(), WANTED)
        entry.passed_slot_ids = (3, 5)
        added = region.uow.waitlist.add(entry)
        region.uow.commit()
    return added.id


def test_a_waitlist_entry_comes_back_as_it_was_stored(region: Region) -> None:
    key = _waiting(region)
    with region.uow:
        found = region.uow.waitlist.get(key)
    assert found.preferences == WANTED
    assert found.passed_slot_ids == (3, 5)
    assert (found.reason, found.status, found.head_of_line) == (
        WaitReason.NO_TIMELY_SLOT,
        WaitStatus.WAITING,
        False,
    )
    assert found.joined_at == region.clock.now()
    with region.uow:
        assert [e.id for e in region.uow.waitlist.where(status=WaitStatus.WAITING)] == [key]


def test_a_stale_claim_on_a_waitlist_entry_is_refused(
    region: Region, engine: Engine, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): no stale claim can arise")
    key = _waiting(region)
    first, second = SqlUnitOfWork(engine), SqlUnitOfWork(engine)
    now = region.clock.now()
    with first, second:
        mine, theirs = first.waitlist.get(key), second.waitlist.get(key)
        mine.offered(now)
        first.waitlist.save(mine)
        first.commit()
        theirs.offered(now + timedelta(seconds=1))
        with pytest.raises(InvalidTransition):
            second.waitlist.save(theirs)
    with region.uow:
        assert region.uow.waitlist.get(key).updated_at == now


def test_a_message_is_queued_once_per_key_and_comes_back_whole(region: Region) -> None:
    register_member(Member("m1", "Pat Example", "north", email="pat@example.org"), region.uow)
    now = region.clock.now()
    context = {"when": "Wednesday 3 June 2026 at 09:00", "clinic": "North Clinic"}
    with region.uow:
        first = queue_message(region.uow, "offer:1", "m1", MessageKind.OFFER, context, now)
        again = queue_message(region.uow, "offer:1", "m1", MessageKind.OFFER, context, now)
        region.uow.commit()
    assert first is not None
    assert again is None
    with region.uow:
        (stored,) = region.uow.messages.list()
        stored.failed("timed out")
        region.uow.messages.save(stored)
        region.uow.commit()
    with region.uow:
        found = region.uow.messages.get(stored.id)
    assert (found.channel, found.address, found.kind) == (
        ChannelKind.EMAIL,
        "pat@example.org",
        MessageKind.OFFER,
    )
    assert found.context == {"first_name": "Pat", **context}
    assert (found.status, found.attempts, found.error) == (MessageStatus.FAILED, 1, "timed out")
