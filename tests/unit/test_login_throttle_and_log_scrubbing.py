"""The login throttle (attempts counted before the check, per address, user and pair), the log scrubber, and which
requests leave an audit event."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from parity.adapters.clock import SimulatedClock
from parity.adapters.memory import MemoryUnitOfWork
from parity.domain.audit import AuditAction, action_for
from parity.domain.users import Principal, Role, TooManyAttempts
from parity.entrypoints.security import logs
from parity.entrypoints.security.matrix import MATRIX
from parity.entrypoints.security.passage import Passage
from parity.entrypoints.security.throttle import LoginThrottle, keys_for
from parity.entrypoints.security.trail import event_of

T0 = datetime(2026, 6, 1, 17, tzinfo=UTC)


def _store() -> Callable[[], MemoryUnitOfWork]:
    store = MemoryUnitOfWork()
    return lambda: store


def test_the_sixth_try_within_the_window_is_refused_with_a_retry_after() -> None:
    throttle, uow = LoginThrottle(), _store()
    keys = keys_for("Sam", "10.0.0.7")
    for minute in range(5):
        throttle.admit(uow, keys, T0 + timedelta(minutes=minute))
    with pytest.raises(TooManyAttempts) as refused:
        throttle.admit(uow, keys, T0 + timedelta(minutes=5))
    assert refused.value.http_headers["Retry-After"] == str(10 * 60 + 1)
    throttle.admit(uow, keys, T0 + timedelta(minutes=15, seconds=1))  # a new window


def test_a_correct_password_clears_its_address_but_not_the_user_name() -> None:
    throttle, uow = LoginThrottle({"pair": 2, "address": 2, "user": 2}), _store()
    keys = keys_for("sam", "10.0.0.7")
    throttle.admit(uow, keys, T0)
    throttle.admit(uow, keys, T0)
    throttle.succeeded(uow, keys, T0)
    throttle.admit(uow, keys_for("kim", "10.0.0.7"), T0)  # the address was cleared
    with pytest.raises(TooManyAttempts):
        throttle.admit(uow, keys_for("sam", "10.0.0.8"), T0)  # sam's third try, anywhere


def test_a_stranger_cannot_lock_a_user_out() -> None:
    """Five wrong guesses from one address refuse that address, not the user elsewhere;
    locking the user out everywhere takes twenty addresses, for one window."""
    throttle, uow = LoginThrottle(), _store()
    for _ in range(5):
        throttle.admit(uow, keys_for("sam", "203.0.113.9"), T0)
    with pytest.raises(TooManyAttempts):
        throttle.admit(uow, keys_for("sam", "203.0.113.9"), T0)
    throttle.admit(uow, keys_for("sam", "10.0.0.7"), T0)  # sam, from home: still let in


def test_of_twenty_concurrent_guesses_at_most_five_are_checked() -> None:
    throttle, uow = LoginThrottle(), _store()
    keys = keys_for("sam", "203.0.113.9")
    admitted: list[bool] = []

    def guess() -> None:
        try:
            throttle.admit(uow, keys, T0)
            admitted.append(True)
        except TooManyAttempts:
            admitted.append(False)

    workers = [threading.Thread(target=guess) for _ in range(20)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert admitted.count(True) == 5
    assert len(admitted) == 20


def test_argon2_checks_in_flight_are_bounded() -> None:
    throttle = LoginThrottle(in_flight=2, wait_seconds=0.01)
    with throttle.checking(), throttle.checking(), pytest.raises(TooManyAttempts):  # noqa: SIM117
        with throttle.checking():
            pass  # a third check at once is refused, not queued without bound
    with throttle.checking():
        pass  # slots come back


def test_contact_details_and_dates_are_masked() -> None:
    text = "ada@example.org ada%40example.org +1 (619) 555-0199 born 1815-12-10 slot 12345"
    assert logs.scrub(text) == "[email] [email] [phone] born [date] slot 12345"


def _record(name: str, message: str, *args: object) -> logging.LogRecord:
    logs.install()
    return logging.getLogger(name).makeRecord(name, logging.INFO, __file__, 1, message, args, None)


def test_an_access_line_loses_its_query_string() -> None:
    line = '%s - "%s %s HTTP/%s" %d'
    record = _record("uvicorn.access", line, "1.2.3.4:5", "GET", "/Patient?name=Ada+L", "1.1", 200)
    assert record.getMessage() == '1.2.3.4:5 - "GET /Patient HTTP/1.1" 200'


def test_a_traceback_is_scrubbed_with_its_message() -> None:
    try:
        raise ValueError("no member ada@example.org")
    except ValueError:
        logs.install()
        logger = logging.getLogger("parity.test")
        record = logger.makeRecord(
            "parity.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    assert "ada@example.org" not in record.getMessage()
    assert "[email]" in record.getMessage()
    assert record.exc_info is None


def test_other_libraries_records_are_left_alone() -> None:
    assert _record("httpx", "GET %s", "/x?email=a@b.org").getMessage() == "GET /x?email=a@b.org"


def _passage(method: str, path: str, who: Principal | None) -> Passage:
    return Passage(method, path, MATRIX[(method, path)], who, {"ada"}, "ada")


def test_member_data_and_refusals_are_audited_and_directory_reads_are_not() -> None:
    clock = SimulatedClock(T0)
    sam = Principal("sam", Role.SCHEDULER, clinic_ids=("san-diego",))
    read = event_of(_passage("GET", "/Patient/{patient_id}", sam), 200, "10.0.0.7", clock)
    assert read is not None
    assert (read.agent, read.action, read.member_id, read.outcome) == (
        "sam",
        AuditAction.READ,
        "ada",
        200,
    )
    assert event_of(_passage("GET", "/Location", sam), 200, "10.0.0.7", clock) is None
    refused = event_of(_passage("GET", "/report/compliance", None), 401, "10.0.0.7", clock)
    assert refused is not None
    assert (refused.agent, refused.entity_type) == ("anonymous", "route")


def test_http_methods_map_to_fhir_audit_actions() -> None:
    assert action_for("GET", False) is AuditAction.READ
    assert action_for("POST", True) is AuditAction.EXECUTE
    assert action_for("POST", False) is AuditAction.CREATE
    assert action_for("DELETE", False) is AuditAction.DELETE
