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
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import (
    LOOPBACK,
    SCENARIOS,
    Switch,
    counter,
    free_port,
    last_stat_row,
    percentile,
    response_times_ms,
    sipp_path,
)

SCENARIO = SCENARIOS / "register_digest.xml"
FIRST_USER = 1000
RTP_PORTS = (40000, 40999)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    attempted: int
    ok: int
    failed: int
    wall_s: float
    latencies_ms: list[float]
    returncode: int


def run_sipp(
    switch: Switch, workdir: Path, *, rate: float, seconds: float, users: int, transport: str
) -> Outcome:
    sipp = sipp_path()
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
    last = last_stat_row(workdir / "stat.csv")
    attempted = counter(last, "TotalCallCreated")
    ok = counter(last, "SuccessfulCall(C)")
    return Outcome(
        attempted=attempted,
        ok=ok,
        # Calls still waiting when SIPp's -timeout ends the run count as failed as well.
        failed=max(counter(last, "FailedCall(C)"), attempted - ok),
        wall_s=wall,
        latencies_ms=response_times_ms(workdir, "register"),
        returncode=completed.returncode,
    )


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
    switch = Switch(workdir, pjsip=pjsip_conf(args.users), rtp_ports=RTP_PORTS)
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
