"""Calls through the softswitch under SIPp load, on loopback: call rate and concurrent media.

Starts its own switch, SIPp callers (UAC) on 127.0.0.2 and SIPp phones (UAS) on 127.0.0.1,
and prints one line per run:

    cps: rate=R attempted=A ok=O failed=F retrans=N setup_p50=..ms setup_p95=..ms cpu=..% rss=..MB
    media: calls=N ok=O failed=F loss_fwd=..% loss_back=..% cpu=..% rss=..MB rss_per_call=..MB

``cpu`` counts every switch process (the SIP process and its media plane) over the run's
wall time, 100 % = one core; ``rss`` is their peak resident memory added up. Standalone on
purpose: nothing from ``tests/`` is used.

    python benchmarks/calls.py cps --rate 100 --seconds 30 --hold-ms 1000
    python benchmarks/calls.py cps --find-max
    python benchmarks/calls.py media --calls 50 100 200 400 --hold-s 20
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
    LOOPBACK,
    SCENARIOS,
    Switch,
    box_jiffies,
    counter,
    cpu_between,
    cpu_seconds,
    free_port,
    last_stat_row,
    percentile,
    response_times_ms,
    sipp_path,
    udp_port_taken,
)

UAC_HOST = "127.0.0.2"
"""Callers live here so that the switch can tell them from the phones by source address."""
PCAP = Path("/usr/share/sip-tester/g711a.pcap")
"""Also written into call_uac_pcap.xml: SIPp's play_pcap_audio cannot take a variable."""
RTP_PORTS = (42000, 49999)
CONTEXT = "bench"
FIND_MAX_LEVELS = (50, 100, 150, 200, 250, 300, 400)
PLAY_GAP_MS = 100
"""Pause between two plays of the capture, so that one has ended before the next starts."""
LOSS_LIMIT = 0.005
"""A media level passes when every call completes and loss is below this in both ways."""
MEDIA_LINE = re.compile(r"PJSIP/(\w+)-[0-9a-f]{8} media: (\d+) packets in, (\d+) out")
TROUBLE = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b")


@dataclass(frozen=True, slots=True, kw_only=True)
class Pair:
    """One SIPp caller and the SIPp phone it calls, each with its own SIP and media port."""

    index: int
    calls: int
    uas_sip_port: int
    uas_media_port: int
    uac_sip_port: int
    uac_media_port: int

    @property
    def callee(self) -> str:
        """The phone's endpoint."""
        return f"uas{self.index}"

    def dialled(self, dialplan: bool) -> str:
        """What the caller dials: a number the dialplan sends to the phone, or, on a switch
        without a dialplan, the phone's endpoint itself."""
        return f"{self.index}000" if dialplan else self.callee


def _media_port(host: str, taken: set[int]) -> int:
    """A UDP port P on *host* with P+2 free as well: SIPp binds both (audio and video)."""
    for _ in range(200):
        port = free_port(host)
        if port in taken or port + 2 in taken or udp_port_taken(host, port + 2):
            continue
        if RTP_PORTS[0] <= port <= RTP_PORTS[1] + 2:
            continue
        taken.update((port, port + 2))
        return port
    raise RuntimeError(f"no free media port on {host}")


def _sip_port(host: str, taken: set[int]) -> int:
    for _ in range(200):
        port = free_port(host)
        if port not in taken:
            taken.add(port)
            return port
    raise RuntimeError(f"no free SIP port on {host}")


def make_pairs(calls: int, pairs: int) -> list[Pair]:
    """Split *calls* over *pairs* caller/phone pairs as evenly as whole calls allow."""
    taken: set[int] = set()
    made = []
    for index in range(1, pairs + 1):
        share = calls // pairs + (1 if index <= calls % pairs else 0)
        made.append(Pair(
            index=index,
            calls=share,
            uas_sip_port=_sip_port(LOOPBACK, taken),
            uas_media_port=_media_port(LOOPBACK, taken),
            uac_sip_port=_sip_port(UAC_HOST, taken),
            uac_media_port=_media_port(UAC_HOST, taken),
        ))
    return [pair for pair in made if pair.calls > 0]


def pjsip_conf(pairs: Sequence[Pair]) -> str:
    """The caller endpoint, known by source address, and one phone endpoint per pair.

    The phones do not register: each has an AOR with a static contact, so that dialling
    phone K reaches SIPp phone K directly.
    """
    sections = [f"""\
[uac]
type=endpoint
context={CONTEXT}
disallow=all
allow=alaw

[uac]
type=identify
endpoint=uac
match={UAC_HOST}
"""]
    for pair in pairs:
        sections.append(f"""\
[{pair.callee}]
type=endpoint
context=internal
disallow=all
allow=alaw
aors={pair.callee}

[{pair.callee}]
type=aor
contact=sip:{pair.callee}@{LOOPBACK}:{pair.uas_sip_port}
""")
    return "\n".join(sections)


def extensions_conf(pairs: Sequence[Pair], *, record: bool) -> str:
    """Pair K's caller dials K000; the dialplan rings phone K with that number."""
    lines = [f"[{CONTEXT}]"]
    for pair in pairs:
        pattern = f"_{pair.index}XXX"
        if record:
            lines.append(f"exten => {pattern},1,MixMonitor(${{UNIQUEID}}.wav)")
            lines.append(f"same => n,Dial(PJSIP/${{EXTEN}}@{pair.callee})")
        else:
            lines.append(f"exten => {pattern},1,Dial(PJSIP/${{EXTEN}}@{pair.callee})")
    return "\n".join(lines) + "\n"


def make_switch(workdir: Path, pairs: Sequence[Pair], *, record: bool = False) -> Switch:
    dialplan = Switch.has_dialplan()
    return Switch(
        workdir, pjsip=pjsip_conf(pairs), rtp_ports=RTP_PORTS,
        extensions=extensions_conf(pairs, record=record) if dialplan else None,
    )


class Sipp:
    """One SIPp process with its own directory for its statistics and error files."""

    def __init__(self, name: str, workdir: Path, arguments: list[str], timeout_s: float) -> None:
        self.name = name
        self.dir = workdir / name
        self.dir.mkdir()
        self.timeout_s = timeout_s
        self.command = [
            sipp_path(), *arguments,
            "-t", "u1",
            "-nostdin",
            "-timeout", f"{math.ceil(timeout_s)}s",
            "-timeout_error",
            "-trace_err", "-error_file", "errors.log",
            "-trace_stat", "-stf", "stat.csv",
        ]  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.dir / "sipp.out").open("wb") as out:
            self.proc = subprocess.Popen(
                self.command, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait(self, deadline: float) -> int | None:
        """SIPp's exit status, or None if it is still running at *deadline* (monotonic)."""
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            # SIGUSR1 is SIPp's "quit softly": it still writes its final statistics.
            self.proc.send_signal(signal.SIGUSR1)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def stats(self) -> dict[str, str]:
        return last_stat_row(self.dir / "stat.csv")


def start_phones(workdir: Path, switch: Switch, pairs: Sequence[Pair], *, timeout_s: float,
                 echo: bool) -> list[Sipp]:
    phones = []
    for pair in pairs:
        arguments = [
            "-sf", str(SCENARIOS / "call_uas.xml"),
            "-i", LOOPBACK, "-p", str(pair.uas_sip_port),
            "-mi", LOOPBACK, "-mp", str(pair.uas_media_port),
            "-m", str(pair.calls),
            # SIPp's default cap on open calls would refuse part of a burst.
            "-l", str(pair.calls + 10),
        ]  # fmt: skip
        if echo:
            arguments.append("-rtp_echo")
        phones.append(Sipp(f"uas{pair.index}", workdir, arguments, timeout_s))
    for phone in phones:
        phone.start()
    deadline = time.monotonic() + 10
    for pair in pairs:
        while not udp_port_taken(LOOPBACK, pair.uas_sip_port):
            if time.monotonic() > deadline:
                raise SystemExit(f"SIPp phone {pair.index} did not start; see {workdir}")
            time.sleep(0.05)
    return phones


def start_callers(workdir: Path, switch: Switch, pairs: Sequence[Pair], *, scenario: str,
                  rate: float, limit: int, variables: dict[str, str],
                  timeout_s: float) -> list[Sipp]:
    """One SIPp caller per pair, *rate* calls per second in all, shared by call counts."""
    total = sum(pair.calls for pair in pairs)
    callers = []
    for pair in pairs:
        arguments = [
            f"{LOOPBACK}:{switch.sip_port}",
            "-sf", str(SCENARIOS / scenario),
            "-s", pair.dialled(Switch.has_dialplan()),
            "-i", UAC_HOST, "-p", str(pair.uac_sip_port),
            "-mi", UAC_HOST, "-mp", str(pair.uac_media_port),
            "-r", f"{rate * pair.calls / total:.3f}",
            "-m", str(pair.calls),
            "-l", str(limit),
            "-trace_rtt", "-rtt_freq", "1",
        ]  # fmt: skip
        for name, value in variables.items():
            arguments += ["-set", name, value]
        callers.append(Sipp(f"uac{pair.index}", workdir, arguments, timeout_s))
    for caller in callers:
        caller.start()
    return callers


@dataclass(slots=True, kw_only=True)
class Health:
    """What the switch looked like after a run: the signs of crashes, leaks and stuck calls."""

    exit_code: int | None = None
    channels_left: int | None = None
    streams_left: int | None = None
    trouble: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.exit_code == 0 and not self.channels_left and not self.streams_left
                and not self.trouble)

    def describe(self) -> str:
        notes = []
        if self.exit_code != 0:
            notes.append(f"the switch exited {self.exit_code} on SIGTERM")
        if self.channels_left:
            notes.append(f"{self.channels_left} channels still up after every call ended")
        if self.streams_left:
            notes.append(f"{self.streams_left} media streams still allocated")
        if self.trouble:
            notes.append(f"{len(self.trouble)} error lines in the log, first: {self.trouble[0]}")
        return "; ".join(notes)


def _number(pattern: str, text: str) -> int | None:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else None


def settle(switch: Switch, timeout_s: float = 15.0) -> tuple[int | None, int | None]:
    """Wait for the switch to forget every call; the channels and streams it still has."""
    deadline = time.monotonic() + timeout_s
    while True:
        channels = _number(r"(\d+) active channels", switch.cli("core show channels"))
        streams = _number(r"Streams: (\d+)", switch.cli("media show status"))
        if (channels == 0 and streams == 0) or time.monotonic() > deadline:
            return channels, streams
        time.sleep(0.5)


def finish(switch: Switch, agents: Sequence[Sipp], health: Health) -> None:
    for agent in agents:
        agent.stop()
    health.exit_code = switch.stop()
    health.trouble = [line for line in switch.log_text().splitlines() if TROUBLE.search(line)]


def wait_all(agents: Sequence[Sipp], deadline: float) -> list[int | None]:
    return [agent.wait(deadline) for agent in agents]


def report_kept(workdir: Path, keep: bool, passed: bool, health: Health) -> None:
    if not health.ok:
        print(f"switch trouble: {health.describe()}", file=sys.stderr)
    if keep or not passed or not health.ok:
        print(f"work directory kept: {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)


class SippMeter:
    """CPU seconds of the SIPp agents, keeping the last reading of those that have exited."""

    def __init__(self, agents: Sequence[Sipp]) -> None:
        self._agents = agents
        self._latest: dict[int, float] = {}

    def read(self) -> float:
        for agent in self._agents:
            if agent.proc is not None and agent.proc.poll() is None:
                with contextlib.suppress(OSError, IndexError, ValueError):
                    self._latest[agent.proc.pid] = cpu_seconds(agent.proc.pid)
        return sum(self._latest.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """CPU readings at one moment: the switch's processes, the SIPp agents, the machine."""

    at: float
    switch: dict[int, float]
    sipp_s: float
    box: tuple[int, int]


def snapshot(switch: Switch, meter: SippMeter) -> Snapshot:
    return Snapshot(at=time.monotonic(), switch=switch.tree_cpu(), sipp_s=meter.read(),
                    box=box_jiffies())


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """CPU between two snapshots, in % of one core, except ``box``: % of the whole machine.

    SIPp runs on the same cores: when ``box`` nears 100 % the machine, not necessarily the
    switch, is the limit.
    """

    switch: float
    sip: float
    sipp: float
    box: float

    @staticmethod
    def between(first: Snapshot, last: Snapshot, sip_pid: int) -> Usage:
        wall = max(1e-9, last.at - first.at)
        busy = last.box[0] - first.box[0]
        total = last.box[1] - first.box[1]
        return Usage(
            switch=cpu_between(first.switch, last.switch) / wall * 100,
            sip=cpu_between(first.switch, last.switch, only=sip_pid) / wall * 100,
            sipp=(last.sipp_s - first.sipp_s) / wall * 100,
            box=busy / total * 100 if total else 0.0,
        )

    def describe(self) -> str:
        return (f"cpu_sip={self.sip:.0f}% cpu_media={self.switch - self.sip:.0f}% "
                f"cpu_sipp={self.sipp:.0f}% box_busy={self.box:.0f}%")


# -- calls per second -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CpsResult:
    rate: float
    attempted: int
    ok: int
    failed: int
    retrans: int
    setup_ms: list[float]
    usage: Usage
    rss_mb: float
    passed: bool

    def detail(self) -> str:
        return f"  {self.usage.describe()}"

    def line(self) -> str:
        return (
            f"cps: rate={self.rate:g} attempted={self.attempted} ok={self.ok} "
            f"failed={self.failed} retrans={self.retrans} "
            f"setup_p50={percentile(self.setup_ms, 0.50):.1f}ms "
            f"setup_p95={percentile(self.setup_ms, 0.95):.1f}ms "
            f"cpu={self.usage.switch:.0f}% rss={self.rss_mb:.0f}MB"
        )


def run_cps(*, rate: float, seconds: float, hold_ms: int, pairs: int, keep: bool) -> CpsResult:
    calls = max(1, round(rate * seconds))
    hold_s = hold_ms / 1000
    workdir = Path(tempfile.mkdtemp(prefix="bench-cps-"))
    plan = make_pairs(calls, pairs)
    switch = make_switch(workdir, plan)
    health = Health()
    agents: list[Sipp] = []
    phones: list[Sipp] = []
    callers: list[Sipp] = []
    timeout_s = seconds + hold_s + 30
    try:
        switch.start()
        phones = start_phones(workdir, switch, plan, timeout_s=timeout_s + 15, echo=False)
        agents += phones
        started = time.monotonic()
        callers = start_callers(
            workdir, switch, plan, scenario="call_uac.xml", rate=rate,
            # Open calls: those held plus a margin for slow setups, so SIPp keeps the rate.
            limit=math.ceil(rate * (hold_s + 5)) + 10,
            variables={"hold_ms": str(hold_ms)}, timeout_s=timeout_s,
        )
        agents += callers
        meter = SippMeter(agents)
        first = snapshot(switch, meter)
        deadline = started + timeout_s + 15
        # SIPp's CPU can only be read while it runs: sample it until the callers are done.
        while (time.monotonic() < deadline
               and any(caller.proc is not None and caller.proc.poll() is None
                       for caller in callers)):
            meter.read()
            time.sleep(0.5)
        caller_codes = wait_all(callers, deadline)
        usage = Usage.between(first, snapshot(switch, meter), switch.pid)
        rss = switch.tree_peak_rss_mb()
        phone_codes = wait_all(phones, time.monotonic() + 15)
        health.channels_left, health.streams_left = settle(switch)
    finally:
        finish(switch, agents, health)
    caller_stats = [caller.stats() for caller in callers]
    attempted = sum(counter(row, "TotalCallCreated") for row in caller_stats)
    ok = sum(counter(row, "SuccessfulCall(C)") for row in caller_stats)
    failed = max(sum(counter(row, "FailedCall(C)") for row in caller_stats), calls - ok)
    retrans = sum(counter(agent.stats(), "Retransmissions(C)") for agent in agents)
    phones_failed = sum(counter(phone.stats(), "FailedCall(C)") for phone in phones)
    if phones_failed:
        print(f"cps: {phones_failed} calls failed on the phones' side", file=sys.stderr)
    passed = (failed == 0 and retrans == 0 and phones_failed == 0 and health.ok
              and all(code == 0 for code in caller_codes + phone_codes))
    setup = [ms for caller in callers for ms in response_times_ms(caller.dir, "setup")]
    report_kept(workdir, keep, passed, health)
    return CpsResult(rate=rate, attempted=attempted, ok=ok, failed=failed, retrans=retrans,
                     setup_ms=setup, usage=usage, rss_mb=rss, passed=passed)


def cps_main(args: argparse.Namespace) -> int:
    if not args.find_max:
        result = run_cps(rate=args.rate, seconds=args.seconds, hold_ms=args.hold_ms,
                         pairs=args.pairs, keep=args.keep)
        print(result.line(), flush=True)
        print(result.detail(), file=sys.stderr, flush=True)
        return 0 if result.passed else 1
    best: float | None = None
    for level in args.levels:
        result = run_cps(rate=level, seconds=args.seconds, hold_ms=args.hold_ms,
                         pairs=args.pairs, keep=args.keep)
        print(result.line(), flush=True)
        print(result.detail(), file=sys.stderr, flush=True)
        if not result.passed:
            passing = "none" if best is None else f"{best:g}/s"
            print(f"cps: highest passing rate={passing} (first failing {level:g}/s)",
                  flush=True)
            return 0 if best is not None else 1
        best = level
    print(f"cps: highest passing rate={best:g}/s (every level passed)", flush=True)
    return 0


# -- concurrent calls with media -------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Capture:
    packets: int
    duration_ms: float
    """From the first packet to one packet time after the last."""


def read_capture(path: Path) -> Capture:
    """Packet count and length of a classic libpcap file (what SIPp plays)."""
    data = path.read_bytes()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        order = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = ">"
    else:
        raise SystemExit(f"{path} is not a libpcap capture")
    fraction = 1e-9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e-6
    stamps: list[float] = []
    offset = 24
    while offset + 16 <= len(data):
        seconds, part, length, _ = struct.unpack_from(f"{order}IIII", data, offset)
        stamps.append(seconds + part * fraction)
        offset += 16 + length
    if len(stamps) < 2:
        raise SystemExit(f"{path} holds fewer than two packets")
    step = (stamps[-1] - stamps[0]) / (len(stamps) - 1)
    return Capture(packets=len(stamps), duration_ms=(stamps[-1] - stamps[0] + step) * 1000)


class NftCounters:
    """Packet counters on loopback for the four hops of the audio, counted as they are sent.

    uac_sent: caller → switch; uas_received: switch → phone; uas_echoed: phone → switch;
    uac_received: switch → caller. A packet the switch drops anywhere, its own receive
    buffers included, shows as a difference; the kernel counts regardless of the phones.

    What reaches the callers is dropped as it enters loopback's receive side, once counted.
    They never read it, and on its way to their full socket the kernel would hand a copy to
    each raw socket SIPp 3.6.1 opens per playing call on the callers' address (one per
    call: the work grows with the square of the calls), all of it in the sending switch's
    ``sendto``, so the switch would be charged for SIPp's sockets.
    """

    def __init__(self, pairs: Sequence[Pair]) -> None:
        self.table = f"softswitch_bench_{os.getpid()}"
        uac = ", ".join(str(pair.uac_media_port) for pair in pairs)
        uas = ", ".join(str(pair.uas_media_port) for pair in pairs)
        self._ruleset = f"""\
table inet {self.table} {{
  chain out {{
    type filter hook output priority 0; policy accept;
    ip saddr {UAC_HOST} udp sport {{ {uac} }} counter comment "uac_sent"
    ip daddr {LOOPBACK} udp dport {{ {uas} }} counter comment "uas_received"
    ip saddr {LOOPBACK} udp sport {{ {uas} }} counter comment "uas_echoed"
    ip daddr {UAC_HOST} udp dport {{ {uac} }} counter comment "uac_received"
  }}
  chain in {{
    type filter hook prerouting priority -300; policy accept;
    ip daddr {UAC_HOST} udp dport {{ {uac} }} drop
  }}
}}
"""

    @staticmethod
    def available() -> bool:
        return os.geteuid() == 0 and shutil.which("nft") is not None

    @contextlib.contextmanager
    def installed(self) -> Iterator[NftCounters]:
        subprocess.run(["nft", "-f", "-"], input=self._ruleset, text=True, check=True,
                       capture_output=True, timeout=30)
        try:
            yield self
        finally:
            subprocess.run(["nft", "delete", "table", "inet", self.table], check=False,
                           capture_output=True, timeout=30)

    def read(self) -> dict[str, int]:
        listing = subprocess.run(["nft", "-j", "list", "table", "inet", self.table],
                                 check=True, capture_output=True, text=True, timeout=30)
        counts: dict[str, int] = {}
        for item in json.loads(listing.stdout)["nftables"]:
            rule = item.get("rule")
            if rule is None or "comment" not in rule:
                continue
            for expression in rule["expr"]:
                if "counter" in expression:
                    counts[rule["comment"]] = int(expression["counter"]["packets"])
        return counts


@dataclass(frozen=True, slots=True, kw_only=True)
class Hops:
    """Audio packets at the four hops, and how they were counted."""

    uac_sent: int
    uas_received: int
    uas_echoed: int
    uac_received: int
    counted_by: str

    @staticmethod
    def _loss(arrived: int, sent: int) -> float:
        return 1 - arrived / sent if sent else 1.0

    @property
    def loss_fwd(self) -> float:
        return self._loss(self.uas_received, self.uac_sent)

    @property
    def loss_back(self) -> float:
        return self._loss(self.uac_received, self.uas_echoed)

    @property
    def echo_loss(self) -> float:
        """What SIPp's echo did not send back: the phones' loss, not the switch's."""
        return self._loss(self.uas_echoed, self.uas_received)


def hops_from_log(switch: Switch, *, calls_ok: int, packets_per_call: int,
                  since: int) -> Hops:
    """The hops from the switch's own per-leg counters, logged as each call ends.

    What the callers sent is computed (each answered call plays the capture in full);
    the rest is what the switch itself sent to the phones, got back, and sent to the
    callers, so drops in the phones' sockets, and in the switch's sockets on the way back,
    are not seen.
    """
    deadline = time.monotonic() + 15
    while True:
        lines = MEDIA_LINE.findall(switch.log_text()[since:])
        if len(lines) >= 2 * calls_ok or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    uac_out = uas_in = uas_out = 0
    for endpoint, received, sent in lines:
        if endpoint == "uac":
            uac_out += int(sent)
        else:
            uas_in += int(received)
            uas_out += int(sent)
    return Hops(uac_sent=calls_ok * packets_per_call, uas_received=uas_out,
                uas_echoed=uas_in, uac_received=uac_out, counted_by="switch")


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaResult:
    calls: int
    ok: int
    failed: int
    hops: Hops
    usage: Usage
    rss_mb: float
    rss_per_call_mb: float
    concurrent: int | None
    recorded: int | None
    """Recording files the switch wrote, when every call was recorded."""
    passed: bool

    def line(self) -> str:
        recorded = "" if self.recorded is None else f" recorded={self.recorded}"
        return (
            f"media: calls={self.calls} ok={self.ok} failed={self.failed} "
            f"loss_fwd={100 * self.hops.loss_fwd:.3f}% "
            f"loss_back={100 * self.hops.loss_back:.3f}% "
            f"cpu={self.usage.switch:.0f}% rss={self.rss_mb:.0f}MB "
            f"rss_per_call={self.rss_per_call_mb:.3f}MB{recorded}"
        )

    def detail(self) -> str:
        hops = self.hops
        return (
            f"  counted_by={hops.counted_by} uac_sent={hops.uac_sent} "
            f"uas_received={hops.uas_received} uas_echoed={hops.uas_echoed} "
            f"uac_received={hops.uac_received} echo_loss={100 * hops.echo_loss:.3f}% "
            f"concurrent_calls_seen={self.concurrent} {self.usage.describe()}"
        )


def run_media(*, calls: int, hold_s: float, ramp_s: float, per_pair: int, counting: str,
              tail_ms: int, record: bool, keep: bool) -> MediaResult:
    capture = read_capture(PCAP)
    play_ms = math.ceil(capture.duration_ms) + PLAY_GAP_MS
    plays = max(1, math.ceil(hold_s * 1000 / play_ms))
    held_s = (plays * play_ms + tail_ms) / 1000
    pairs = make_pairs(calls, math.ceil(calls / per_pair))
    rate = max(1.0, calls / ramp_s)
    workdir = Path(tempfile.mkdtemp(prefix="bench-media-"))
    switch = make_switch(workdir, pairs, record=record)
    health = Health()
    agents: list[Sipp] = []
    phones: list[Sipp] = []
    callers: list[Sipp] = []
    timeout_s = calls / rate + held_s + 30
    nft = NftCounters(pairs) if counting == "nft" else None
    with contextlib.ExitStack() as stack:
        if nft is not None:
            stack.enter_context(nft.installed())
        try:
            switch.start()
            idle_rss = switch.tree_rss_mb()
            since = len(switch.log_text())
            phones = start_phones(workdir, switch, pairs, timeout_s=timeout_s + 15, echo=True)
            agents += phones
            started = time.monotonic()
            callers = start_callers(
                workdir, switch, pairs, scenario="call_uac_pcap.xml", rate=rate,
                limit=max(pair.calls for pair in pairs) + 10,
                variables={"plays": str(plays), "play_ms": str(play_ms),
                           "tail_ms": str(tail_ms)},
                timeout_s=timeout_s,
            )
            agents += callers
            # Steady state: from a second after the last call is set up until a second
            # before the first one hangs up; a run too short for that is measured whole.
            window_start = started + calls / rate + 1.0
            window_end = started + held_s - 1.0
            steady = window_end - window_start >= 2.0
            time.sleep(max(0.0, window_start - time.monotonic()) if steady else 0.0)
            meter = SippMeter(agents)
            first = snapshot(switch, meter)
            concurrent: int | None = None
            busy_rss = idle_rss
            if steady:
                time.sleep(max(0.0, window_end - time.monotonic()))
                usage = Usage.between(first, snapshot(switch, meter), switch.pid)
                busy_rss = switch.tree_rss_mb()
                concurrent = _number(r"(\d+) active calls", switch.cli("core show channels"))
            else:
                # SIPp's CPU can only be read while it runs: sample it until the end.
                while any(c.proc is not None and c.proc.poll() is None for c in callers) \
                        and time.monotonic() < started + timeout_s + 15:
                    meter.read()
                    busy_rss = switch.tree_rss_mb()
                    time.sleep(0.5)
            caller_codes = wait_all(callers, started + timeout_s + 15)
            if not steady:
                usage = Usage.between(first, snapshot(switch, meter), switch.pid)
            rss = switch.tree_peak_rss_mb()
            phone_codes = wait_all(phones, time.monotonic() + 15)
            health.channels_left, health.streams_left = settle(switch)
            ok = sum(counter(caller.stats(), "SuccessfulCall(C)") for caller in callers)
            if nft is not None:
                counts = nft.read()
                hops = Hops(uac_sent=counts["uac_sent"], uas_received=counts["uas_received"],
                            uas_echoed=counts["uas_echoed"],
                            uac_received=counts["uac_received"], counted_by="nft")
            else:
                hops = hops_from_log(switch, calls_ok=ok,
                                     packets_per_call=plays * capture.packets, since=since)
        finally:
            finish(switch, agents, health)
    failed = max(sum(counter(c.stats(), "FailedCall(C)") for c in callers), calls - ok)
    phones_failed = sum(counter(phone.stats(), "FailedCall(C)") for phone in phones)
    if phones_failed:
        print(f"media: {phones_failed} calls failed on the phones' side", file=sys.stderr)
    # Counted once the switch has stopped, which finishes every recording first.
    recorded = (sum(1 for path in switch.recordings.rglob("*") if path.is_file())
                if record else None)
    passed = (failed == 0 and phones_failed == 0 and health.ok
              and (recorded is None or recorded >= ok)
              and hops.loss_fwd < LOSS_LIMIT and hops.loss_back < LOSS_LIMIT
              and all(code == 0 for code in caller_codes + phone_codes))
    report_kept(workdir, keep, passed, health)
    return MediaResult(calls=calls, ok=ok, failed=failed, hops=hops, usage=usage,
                       rss_mb=rss, rss_per_call_mb=max(0.0, busy_rss - idle_rss) / calls,
                       concurrent=concurrent, recorded=recorded, passed=passed)


def media_main(args: argparse.Namespace) -> int:
    if args.record and not Switch.has_dialplan():
        print("calls.py: recording benchmark needs the dialplan (MixMonitor), which this "
              "switch does not have yet", file=sys.stderr)
        return 2
    counting = args.counters
    if counting == "auto":
        counting = "nft" if NftCounters.available() else "switch"
    elif counting == "nft" and not NftCounters.available():
        print("calls.py: --counters nft needs root and the nft tool (Debian: nftables)",
              file=sys.stderr)
        return 2
    for level in args.calls:
        result = run_media(calls=level, hold_s=args.hold_s, ramp_s=args.ramp_s,
                           per_pair=args.calls_per_pair, counting=counting,
                           tail_ms=args.tail_ms, record=args.record, keep=args.keep)
        print(result.line(), flush=True)
        print(result.detail(), file=sys.stderr, flush=True)
        if not result.passed:
            if len(args.calls) > 1:
                print(f"media: first failing level calls={level}", flush=True)
            return 1
    return 0


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    cps = commands.add_parser("cps", help="calls per second, signalling only")
    cps.add_argument("--rate", type=_positive, default=50.0, help="new calls per second")
    cps.add_argument("--seconds", type=_positive, default=30.0, help="how long to call")
    cps.add_argument("--hold-ms", type=_count, default=1000, help="how long each call lasts")
    cps.add_argument("--pairs", type=_count, default=1, help="SIPp caller/phone pairs")
    cps.add_argument("--find-max", action="store_true",
                     help="run --levels in turn until the first failing one")
    cps.add_argument("--levels", type=_positive, nargs="+", default=list(FIND_MAX_LEVELS),
                     help="rates for --find-max")
    cps.add_argument("--keep", action="store_true", help="keep the work directory")
    cps.set_defaults(run=cps_main)

    media = commands.add_parser("media", help="concurrent calls with audio both ways")
    media.add_argument("--calls", type=_count, nargs="+", default=[50],
                       help="concurrent calls; several levels run in turn until one fails")
    media.add_argument("--hold-s", type=_positive, default=20.0,
                       help="how long each call plays audio (rounded up to whole plays)")
    media.add_argument("--ramp-s", type=_positive, default=5.0,
                       help="the calls are set up evenly over this long")
    media.add_argument("--calls-per-pair", type=_count, default=200,
                       help="calls per SIPp caller/phone pair (SIPp's echo drops past ~300)")
    media.add_argument("--tail-ms", type=_count, default=500,
                       help="wait after the last play for the echo before hanging up")
    media.add_argument("--counters", choices=("auto", "nft", "switch"), default="auto",
                       help="count packets with nftables (root) or the switch's own counters")
    media.add_argument("--record", action="store_true", help="record every call")
    media.add_argument("--keep", action="store_true", help="keep the work directories")
    media.set_defaults(run=media_main)

    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
