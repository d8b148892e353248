"""Where a Parity worker spends its CPU under load: py-spy samples one `parity serve`
process while bench_load's clients run a mix against it, and the hottest functions are
printed (share of samples in the function and below it, and in the function itself).

Run: .venv/bin/python bench/profile_load.py [--db postgres] [--clients 16] [--rounds 10]
     [--mix uncontended] [--top 30] [--native] [--raw FILE] [--within FUNCTION]
     [--again FILE]. `--within scheduling.py:find` shares out one operation's samples;
     `--again FILE` summarises a kept --raw file without running anything. Needs py-spy (`pip install py-spy`; not a project
     dependency) and the right to trace the server (root, or ptrace_scope 0). The figures
     before and after each change are in docs/adr/0017-booking-api-speed.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

import bench_load
from servers import BIN, bearer, drop_postgres, free_port, postgres_url, prepare, serving

console = Console(width=140)
FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>.*?)(?::\d+)?\)$")


def _name(frame: str) -> str:
    """`function (path/to/module.py:12)` -> `module.py:function`, site-packages trimmed."""
    found = FRAME.match(frame)
    if found is None:
        return frame
    path = found["file"].split("site-packages/")[-1].split("/src/")[-1]
    return f"{path}:{found['function']}"


def summarise(raw: str, within: str | None = None) -> tuple[Counter[str], Counter[str], int]:
    """Inclusive and self sample counts per function, from py-spy's collapsed stacks; with
    `within`, only the stacks through a function whose name ends with it (one operation,
    e.g. `scheduling.py:find`), and the frames from that function down."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_name(f) for f in stack.split(";")]
        if within is not None:
            entered = [k for k, frame in enumerate(frames) if frame.endswith(within)]
            if not entered:
                continue
            frames = frames[entered[0] :]
        total += int(count)
        own[frames[-1]] += int(count)
        for name in set(frames):
            inclusive[name] += int(count)
    return inclusive, own, total


def profile(url: str, args: argparse.Namespace, out: Path) -> None:
    port = free_port()
    command: list[str | Path] = [BIN / "parity", "serve", "--port", str(port), "--workers", "1"]
    env = {**os.environ, "PARITY_DATABASE_URL": url}
    with serving(command, env, port) as (base, cpu):
        pid = _server_pid(base)
        spy = subprocess.Popen(
            [
                _py_spy(),
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--rate",
                "250",
                "--output",
                str(out),
                "--gil",  # only samples holding the GIL: Python CPU, not waits
                # C frames (the cyclic collector's among them) need the process paused
                *(["--native"] if args.native else ["--nonblocking"]),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # py-spy attaches
        figures = bench_load.load(base, cpu, args.mix, args.clients, args.rounds)
        spy.send_signal(2)  # SIGINT: py-spy writes what it sampled
        spy.wait(timeout=60)
    console.print(
        f"{figures['requests']:,} requests, {figures['cpu ms/request']:.1f} ms server CPU each"
    )


def _py_spy() -> str:
    """py-spy beside this Python, else the one on PATH."""
    beside = BIN / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise SystemExit("py-spy not found: pip install py-spy")
    return found


def _server_pid(base: str) -> int:
    """The process serving on `base`'s port (one worker: `parity serve` itself)."""
    port = base.rsplit(":", 1)[1]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in words and port.encode() in words:
            return int(cmdline.parent.name)
    raise RuntimeError(f"no server process on port {port}")


def show(raw: str, top: int, within: str | None = None) -> None:
    inclusive, own, total = summarise(raw, within)
    if within is not None:
        everything = summarise(raw)[2]
        console.print(
            f"{within}: {total:,} of {everything:,} samples ({100 * total / everything:.1f} %)"
        )
    for title, counts in (("in and below", inclusive), ("in itself", own)):
        table = Table(title=f"Share of {total:,} samples spent {title} (top {top})")
        table.add_column("function")
        table.add_column("%", justify="right")
        for name, count in counts.most_common(top):
            table.add_row(name, f"{100 * count / total:.1f}")
        console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--mix", default="uncontended", choices=sorted(bench_load.MIXES))
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks here")
    parser.add_argument("--native", action="store_true", help="sample C frames too (slower)")
    parser.add_argument(
        "--within", help="only the samples under this function, e.g. scheduling.py:find"
    )
    parser.add_argument("--again", type=Path, help="summarise a kept --raw file; run nothing")
    args = parser.parse_args()
    if args.again is not None:
        show(args.again.read_text(), args.top, args.within)
        return
    sqlite = args.db == "sqlite"
    url = f"sqlite:///{tempfile.mkdtemp()}/profile.db" if sqlite else postgres_url()
    out = args.raw or Path(tempfile.mkdtemp()) / "profile.txt"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            prepare(url, Path(tmp))
        bench_load.AUTH.update(bearer(url))
        profile(url, args, out)
    finally:
        if not sqlite:
            drop_postgres(url)
    show(out.read_text(), args.top, args.within)


if __name__ == "__main__":
    main()
