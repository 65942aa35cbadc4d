"""Registration throughput of the softswitch under SIPp load, on loopback.

Starts its own switch with N generated extensions, has SIPp register them with digest at a
fixed rate for a fixed time, and prints one line:

    register: rate=R attempted=A ok=O failed=F achieved=X/s p50=..ms p95=..ms cpu=..% rss=..MB

``cpu`` is the switch process's CPU time over the run's wall time (100 % = one core);
``rss`` is its peak resident memory. Standalone on purpose: nothing from ``tests/`` is used.

    python benchmarks/register_rate.py --rate 100 --seconds 10 --users 200
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "scenarios" / "register_digest.xml"
FIRST_USER = 1000
LOOPBACK = "127.0.0.1"
READY_MARKER = "softswitch ready"


def free_port() -> int:
    """A loopback port free for both UDP and TCP (the switch listens on both)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((LOOPBACK, 0))
            port = int(udp.getsockname()[1])
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            try:
                tcp.bind((LOOPBACK, port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def password(user: int) -> str:
    return f"bench-{user}"


def pjsip_conf(users: int) -> str:
    """Templates once, then three short sections per extension, as large installs write it."""
    head = """\
[endpoint-tpl](!)
type=endpoint
context=internal
disallow=all
allow=ulaw,alaw

[auth-tpl](!)
type=auth
auth_type=userpass

[aor-tpl](!)
type=aor
max_contacts=1
remove_existing=yes
qualify_frequency=0
"""
    sections = [head]
    for user in range(FIRST_USER, FIRST_USER + users):
        sections.append(
            f"[{user}](endpoint-tpl)\nauth={user}\naors={user}\n\n"
            f"[{user}](auth-tpl)\nusername={user}\npassword={password(user)}\n\n"
            f"[{user}](aor-tpl)\n"
        )
    return "\n".join(sections)


def injection_file(users: int) -> str:
    """SIPp ``-inf``: field 0 the user, field 1 a complete authentication keyword.

    SIPp 3.6 does not expand ``[field1]`` nested inside ``[authentication ...]``, but it does
    honour an ``[authentication ...]`` keyword that arrives through an injection field.
    """
    lines = ["SEQUENTIAL"]
    for user in range(FIRST_USER, FIRST_USER + users):
        lines.append(f"{user};[authentication username={user} password={password(user)}]")
    return "\n".join(lines) + "\n"


class Switch:
    """The switch as a child process with its own config, database and ports."""

    def __init__(self, workdir: Path, users: int) -> None:
        self.workdir = workdir
        self.sip_port = free_port()
        self.log_path = workdir / "softswitch.log"
        (workdir / "pjsip.conf").write_text(pjsip_conf(users))
        (workdir / "data").mkdir()
        config = f"""\
node_name = "bench"

[sip]
udp = "{LOOPBACK}:{self.sip_port}"
tcp = "{LOOPBACK}:{self.sip_port}"
realm = "asterisk"

[rtp]
port_min = 40000
port_max = 40999

[paths]
data = "data"

[database]
url = "sqlite+aiosqlite:///data/softswitch.db"

[http]
listen = "{LOOPBACK}:{free_port()}"

[ami]
listen = "{LOOPBACK}:{free_port()}"

[bootstrap]
pjsip = "pjsip.conf"
"""
        self.config_path = workdir / "softswitch.toml"
        self.config_path.write_text(config)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> None:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "softswitch", "--config", str(self.config_path), "serve"],
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + timeout_s
        while READY_MARKER not in self.log_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the switch did not start:\n{self.log_text()[-4000:]}")
            time.sleep(0.05)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def cpu_seconds(self) -> float:
        """User + system CPU time of the switch so far, from /proc."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        # utime and stime are fields 14 and 15 of stat; index 11 and 12 after the ")".
        return (int(fields[11]) + int(fields[12])) / ticks

    def peak_rss_mb(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    attempted: int
    ok: int
    failed: int
    wall_s: float
    latencies_ms: list[float]
    returncode: int


def _counter(row: dict[str, str], column: str) -> int:
    value = row.get(column, "").strip()
    return int(value) if value.isdigit() else 0


def run_sipp(
    switch: Switch, workdir: Path, *, rate: float, seconds: float, users: int, transport: str
) -> Outcome:
    sipp = shutil.which("sipp")
    if sipp is None:
        raise SystemExit("sipp is not installed (Debian: apt-get install sip-tester)")
    calls = max(1, round(rate * seconds))
    (workdir / "users.csv").write_text(injection_file(users))
    command = [
        sipp, f"{LOOPBACK}:{switch.sip_port}",
        "-sf", str(SCENARIO),
        "-inf", str(workdir / "users.csv"),
        "-t", transport,
        "-i", LOOPBACK,
        "-p", str(free_port()),
        "-r", f"{rate:g}",
        "-m", str(calls),
        "-nostdin",
        "-timeout", f"{round(seconds) + 30}s",
        "-timeout_error",
        # A failed registration should not be followed by a BYE the registrar must reject.
        "-default_behaviors", "abortunexp",
        "-trace_err", "-error_file", "errors.log",
        "-trace_stat", "-stf", "stat.csv",
        "-trace_rtt", "-rtt_freq", "1",
    ]  # fmt: skip
    started = time.monotonic()
    completed = subprocess.run(
        command,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=seconds + 60,
        check=False,
    )
    wall = time.monotonic() - started
    rows = list(csv.DictReader((workdir / "stat.csv").read_text().splitlines(), delimiter=";"))
    last = rows[-1] if rows else {}
    latencies: list[float] = []
    for rtt_file in workdir.glob("*_rtt.csv"):
        for row in csv.DictReader(rtt_file.read_text().splitlines(), delimiter=";"):
            if row.get("rtd_no") == "register":
                latencies.append(float(row["response_time_ms"]))
    attempted = _counter(last, "TotalCallCreated")
    ok = _counter(last, "SuccessfulCall(C)")
    return Outcome(
        attempted=attempted,
        ok=ok,
        # Calls still waiting when SIPp's -timeout ends the run count as failed as well.
        failed=max(_counter(last, "FailedCall(C)"), attempted - ok),
        wall_s=wall,
        latencies_ms=latencies,
        returncode=completed.returncode,
    )


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="registrations per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to send")
    parser.add_argument("--users", type=int, default=100, help="extensions to create and use")
    parser.add_argument(
        "--transport", choices=("u1", "t1"), default="u1", help="SIPp transport: u1 UDP, t1 TCP"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.seconds <= 0 or args.users <= 0:
        parser.error("--rate, --seconds and --users must be positive")

    workdir = Path(tempfile.mkdtemp(prefix="bench-register-"))
    switch = Switch(workdir, args.users)
    try:
        switch.start()
        cpu_before = switch.cpu_seconds()
        outcome = run_sipp(
            switch,
            workdir,
            rate=args.rate,
            seconds=args.seconds,
            users=args.users,
            transport=args.transport,
        )
        cpu = (switch.cpu_seconds() - cpu_before) / outcome.wall_s * 100
        rss = switch.peak_rss_mb()
    finally:
        code = switch.stop()
    print(
        f"register: rate={args.rate:g} attempted={outcome.attempted} ok={outcome.ok} "
        f"failed={outcome.failed} achieved={outcome.ok / outcome.wall_s:.1f}/s "
        f"p50={percentile(outcome.latencies_ms, 0.50):.1f}ms "
        f"p95={percentile(outcome.latencies_ms, 0.95):.1f}ms "
        f"cpu={cpu:.0f}% rss={rss:.0f}MB"
    )
    if code != 0:
        print(f"the switch exited {code} on SIGTERM; log in {workdir}", file=sys.stderr)
    if args.keep or outcome.failed or code != 0:
        print(f"work directory kept: {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if outcome.failed == 0 and outcome.returncode == 0 and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
