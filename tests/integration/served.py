"""A real `parity serve` process for the crash tests: started in its own process group on a
free port, killed with SIGKILL (no shutdown hook runs, as after a power cut of the process),
restarted on the same database."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
# The server signs tokens with it, and `parity users token` must sign with the same one.
SECRET = secrets.token_urlsafe(48)
READY_SECONDS = 120.0  # a loaded machine takes long to import the command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def parity(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `parity` command on the database at `url`."""
    env = {**os.environ, "PARITY_DATABASE_URL": url, "PARITY_SECRET_KEY": SECRET}
    return subprocess.run(
        [str(BIN / "parity"), *args], env=env, capture_output=True, text=True, check=False
    )


class Server:
    """`parity serve` on `url`, logging to `log`."""

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "PARITY_DATABASE_URL": self.url, "PARITY_SECRET_KEY": SECRET}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(BIN / "parity"), "serve", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.base}/metadata", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError(f"parity serve did not answer in {READY_SECONDS} s")

    def headers(self) -> dict[str, str]:
        """A bearer token of the demo's admin (`parity demo` made the account)."""
        made = parity(self.url, "users", "token", "demo-admin")
        assert made.returncode == 0, made.stderr
        return {"Authorization": f"Bearer {made.stdout.strip()}"}

    def kill(self) -> None:
        """SIGKILL the whole process group, and reap it."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()
