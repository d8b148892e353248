"""The servers the load benches run against, and the database they share.

`parity serve` and the floor (floor_app.py) each run in a process group of their own, so
their CPU time can be read from /proc apart from the clients'. PostgreSQL runs get a
database of their own per bench process, so two benches on one server do not collide.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from parity.adapters.sql.engine import normalised_url

BIN = Path(sys.executable).parent
BENCH = Path(__file__).resolve().parent
PG_ADMIN = os.environ.get("PARITY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
MEMBERS = 3_000
READY_SECONDS = 180
# Every call needs a bearer token; the server and the CLI share one signing secret.
os.environ.setdefault("PARITY_SECRET_KEY", secrets.token_urlsafe(48))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bearer(url: str) -> dict[str, str]:
    """A token of the demo's admin account, from `parity users token`."""
    env = {**os.environ, "PARITY_DATABASE_URL": url}
    command: list[str | Path] = [BIN / "parity", "users", "token", "demo-admin"]
    token = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return {"Authorization": f"Bearer {token.stdout.strip()}"}


def postgres_url(suffix: str = "") -> str:
    """A fresh database of this bench process's own on the PostgreSQL server (`suffix`
    tells apart several of one process)."""
    name = f"parity_bench_{os.getpid()}{suffix}"
    admin = create_engine(normalised_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return normalised_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    name = normalised_url(url).database
    admin = create_engine(normalised_url(PG_ADMIN), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def prepare(url: str, workdir: Path) -> None:
    """The demo region with two weeks of history, and MEMBERS bench members b0, b1, …"""
    env = {**os.environ, "PARITY_DATABASE_URL": url}
    demo: list[str | Path] = [BIN / "parity", "demo", "--weeks", "2", "--reset"]
    subprocess.run(demo, env=env, check=True, stdout=subprocess.DEVNULL)
    members = workdir / "members.csv"
    clinics = ("san-diego", "fontana", "lancaster", "downey")
    modalities = ("video;phone", "in-person", "phone;video", "in-person;video")
    rows = [
        f"b{k},Bench Member {k},{clinics[k % 4]},{'spanish' if k % 5 == 0 else 'english'},{modalities[k % 4]}"
        for k in range(MEMBERS)
    ]
    members.write_text("id,name,clinic_id,language,modalities\n" + "\n".join(rows) + "\n")
    imported: list[str | Path] = [BIN / "parity", "import", "members", str(members)]
    subprocess.run(imported, env=env, check=True, stdout=subprocess.DEVNULL)


def _group_cpu_seconds(pids: Sequence[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def group_members(group: int) -> list[int]:
    """The live processes of process group `group` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            found.append(int(stat.parent.name))
    return found


def server_cpu_seconds(group: int) -> float:
    """User + system CPU seconds of the live processes in process group `group` (Linux)."""
    return _group_cpu_seconds(group_members(group))


@contextmanager
def serving(
    command: Sequence[str | Path], env: dict[str, str], port: int
) -> Iterator[tuple[str, Callable[[], float]]]:
    """Run `command` (a server on `port`) in its own process group; yield its base URL and
    a function reading the CPU seconds its processes have used so far. Fails loudly, with
    the server's output, if it does not answer within READY_SECONDS."""
    log = Path(tempfile.mkdtemp()) / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base, process, log)
        pids = group_members(process.pid)
        yield base, lambda: _group_cpu_seconds(pids)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


Served = AbstractContextManager[tuple[str, Callable[[], float]]]


def server(url: str, port: int, workers: int = 2) -> Served:
    """`parity serve` on the database at `url`."""
    env = {**os.environ, "PARITY_DATABASE_URL": url}
    command: list[str | Path] = [
        BIN / "parity",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return serving(command, env, port)


def floor_server(url: str, port: int, workers: int = 2) -> Served:
    """The floor app (floor_app.py) on the same database, with as many uvicorn workers."""
    import floor_app  # bench/ is on the path of every bench script

    database = floor_app.Database(url, pool_size=1)
    database.create_tables()
    database.close()
    env = {**os.environ, "FLOOR_DATABASE_URL": url}
    command: list[str | Path] = [
        BIN / "uvicorn",
        "floor_app:create",
        "--factory",
        "--app-dir",
        str(BENCH),
    ]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    return serving(command, env, port)


def _wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/metadata", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.5)
    raise RuntimeError(
        f"the server did not answer in {READY_SECONDS} s:\n{log.read_text()[-2000:]}"
    )
