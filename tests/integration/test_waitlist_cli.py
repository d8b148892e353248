"""`parity waitlist` and `parity messages send-due` on a SQLite file: answers, Rich tables,
and clear failures with exit code 2 (never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sql_support import build_region, initial_request
from typer.testing import CliRunner

from parity.adapters.clock import SystemClock
from parity.adapters.sql import SqlUnitOfWork, engine_from_url, upgrade
from parity.domain.members import Member
from parity.domain.messages import MessageKind
from parity.entrypoints.cli.app import app
from parity.services.members import register_member
from parity.services.outbox import queue_message
from parity.services.policy import Policy
from parity.services.requests import open_request

runner = CliRunner()


@pytest.fixture
def request_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: Policy) -> int:
    url = f"sqlite:///{tmp_path / 'parity.db'}"
    monkeypatch.setenv("PARITY_DATABASE_URL", url)
    monkeypatch.setenv("PARITY_SMS_DIR", str(tmp_path / "sms"))
    engine = engine_from_url(url)
    upgrade(engine)
    region = build_region(SqlUnitOfWork(engine), policy)
    register_member(Member("m1", "Pat Example", "north", phone="+1 555 0100"), region.uow)
    # The commands run on the real clock: the request is opened on it too.
    request = open_request(initial_request("m1"), region.uow, SystemClock(), region.policy)
    with region.uow:
        context = {"when": "Monday 1 June 2026 at 09:00", "clinic": "North Clinic"}
        now = region.clock.now()
        queue_message(region.uow, "reminder:test", "m1", MessageKind.REMINDER, context, now)
        region.uow.commit()
    engine.dispose()
    return request.id


def test_join_show_and_leave_the_waitlist(request_id: int) -> None:
    joined = runner.invoke(app, ["waitlist", "join", str(request_id), "--weekday", "wed"])
    assert joined.exit_code == 0, joined.output
    assert f"request {request_id} is on the waitlist (no-timely-slot)" in joined.stdout
    shown = runner.invoke(app, ["waitlist", "show"])
    assert shown.exit_code == 0
    assert "Waitlist (1 open)" in shown.stdout
    assert "│ m1 " in shown.stdout
    left = runner.invoke(app, ["waitlist", "leave", str(request_id)])
    assert left.exit_code == 0
    assert "Waitlist (0 open)" in runner.invoke(app, ["waitlist", "show"]).stdout


def test_waitlist_commands_refuse_bad_input_with_a_message(request_id: int) -> None:
    runner.invoke(app, ["waitlist", "join", str(request_id)])
    twice = runner.invoke(app, ["waitlist", "join", str(request_id)])
    assert twice.exit_code == 2
    assert "already on the waitlist" in twice.stderr
    unknown = runner.invoke(app, ["waitlist", "leave", "9999"])
    assert unknown.exit_code == 2
    assert "not on the waitlist" in unknown.stderr
    bad = runner.invoke(app, ["waitlist", "join", str(request_id), "--earliest", "nine"])
    assert bad.exit_code == 2
    assert "bad preference" in bad.stderr


def test_send_due_writes_the_sms_and_reports_it(request_id: int, tmp_path: Path) -> None:
    sent = runner.invoke(app, ["messages", "send-due"])
    assert sent.exit_code == 0, sent.output
    assert "sent 1, failed 0" in sent.stdout
    (line,) = (tmp_path / "sms" / "sms.jsonl").read_text().splitlines()
    assert json.loads(line)["to"] == "+1 555 0100"
    again = runner.invoke(app, ["messages", "send-due"])
    assert "sent 0, failed 0" in again.stdout
