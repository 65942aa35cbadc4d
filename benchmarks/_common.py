"""What the benchmark scripts share: a switch of their own on loopback, SIPp's files, statistics.

The scripts are run as ``python benchmarks/NAME.py``, so this directory is first on
``sys.path`` and they import this module as ``_common``. Nothing from ``tests/`` is used: the
benchmarks must run on a box that only has the project and SIPp.
"""

from __future__ import annotations

import csv
import functools
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
LOOPBACK = "127.0.0.1"
READY_MARKER = "softswitch ready"
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port(host: str = LOOPBACK) -> int:
    """A port on *host* free for both UDP and TCP (the switch and SIPp listen on both)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            try:
                tcp.bind((host, port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def udp_port_taken(host: str, port: int) -> bool:
    """Whether something is bound to *host*:*port* over UDP (how we see SIPp is listening)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def sipp_path() -> str:
    sipp = shutil.which("sipp")
    if sipp is None:
        raise SystemExit("sipp is not installed (Debian: apt-get install sip-tester)")
    return sipp


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process *pid* so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat; index 11 and 12 after the ")".
    return (int(fields[11]) + int(fields[12])) / _TICKS


def box_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine, all cores, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # idle and iowait are the 4th and 5th; guest time is already inside user and nice.
    total = sum(fields[:8])
    return total - fields[3] - fields[4], total


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


def _descendants(root: int) -> list[int]:
    """*root* and every process below it, found through the parent ids in /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found = [root]
    for pid in found:
        found.extend(children.get(pid, ()))
    return found


class Switch:
    """The switch as a child process with its own config, database and ports.

    The switch starts the media plane as a second process; the ``tree_*`` readings add up
    every process below the switch, the plain ones read the switch process alone.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        pjsip: str,
        rtp_ports: tuple[int, int],
        extensions: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.sip_port = free_port()
        self.log_path = workdir / "softswitch.log"
        self.recordings = workdir / "data" / "recordings"
        (workdir / "pjsip.conf").write_text(pjsip)
        (workdir / "data").mkdir()
        bootstrap = 'pjsip = "pjsip.conf"\n'
        if extensions is not None:
            (workdir / "extensions.conf").write_text(extensions)
            bootstrap += 'extensions = "extensions.conf"\n'
        config = f"""\
node_name = "bench"

[sip]
udp = "{LOOPBACK}:{self.sip_port}"
tcp = "{LOOPBACK}:{self.sip_port}"
realm = "asterisk"

[rtp]
port_min = {rtp_ports[0]}
port_max = {rtp_ports[1]}

[paths]
data = "data"

[database]
url = "sqlite+aiosqlite:///data/softswitch.db"

[http]
listen = "{LOOPBACK}:{free_port()}"

[ami]
listen = "{LOOPBACK}:{free_port()}"

[bootstrap]
{bootstrap}"""
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

    @staticmethod
    @functools.cache
    def has_dialplan() -> bool:
        """Whether this switch routes calls through a dialplan (it has ``dialplan load``);
        before that, the Request-URI user named the endpoint to ring."""
        probe = subprocess.run(
            [sys.executable, "-m", "softswitch", "dialplan", "--help"],
            # Away from a checkout, as the switch itself runs, so both import the same code.
            cwd=Path(tempfile.gettempdir()),
            stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False,
        )
        return probe.returncode == 0

    @property
    def pid(self) -> int:
        """The switch's SIP process; the media plane is its child."""
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time of the switch process so far, from /proc."""
        return cpu_seconds(self.pid)

    def peak_rss_mb(self) -> float:
        """Peak resident memory of the switch process (``VmHWM``)."""
        return _status_kb(self.pid, "VmHWM:") / 1024

    def tree_cpu(self) -> dict[int, float]:
        """CPU seconds so far per process of the switch; subtract two readings with
        :func:`cpu_between` so that a process started in between counts from zero."""
        readings: dict[int, float] = {}
        for pid in _descendants(self.pid):
            try:
                readings[pid] = cpu_seconds(pid)
            except (OSError, IndexError, ValueError):
                continue
        return readings

    def tree_rss_mb(self) -> float:
        """Resident memory of all switch processes now (``VmRSS``, summed)."""
        return self._tree_status_mb("VmRSS:")

    def tree_peak_rss_mb(self) -> float:
        """Peak resident memory of all switch processes (``VmHWM``, summed: an upper bound
        of their peak together, as they need not peak at the same moment)."""
        return self._tree_status_mb("VmHWM:")

    def _tree_status_mb(self, key: str) -> float:
        total = 0
        for pid in _descendants(self.pid):
            try:
                total += _status_kb(pid, key)
            except OSError:
                continue
        return total / 1024

    def cli(self, command: str, timeout_s: float = 30.0) -> str:
        """The output of ``softswitch cli -x COMMAND`` against this switch ("" on failure)."""
        try:
            done = subprocess.run(
                [sys.executable, "-m", "softswitch", "--config", str(self.config_path),
                 "cli", "-x", command],
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return ""
        return done.stdout

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


def cpu_between(
    before: dict[int, float], after: dict[int, float], only: int | None = None
) -> float:
    """CPU seconds the processes (or process *only*) spent between two
    :meth:`Switch.tree_cpu` readings."""
    return sum(
        seconds - before.get(pid, 0.0)
        for pid, seconds in after.items()
        if only is None or pid == only
    )


def last_stat_row(path: Path) -> dict[str, str]:
    """The final row of a SIPp ``-trace_stat`` file (cumulative counters), or {}."""
    if not path.exists():
        return {}
    rows = list(csv.DictReader(path.read_text().splitlines(), delimiter=";"))
    return rows[-1] if rows else {}


def counter(row: dict[str, str], column: str) -> int:
    value = row.get(column, "").strip()
    return int(value) if value.isdigit() else 0


def response_times_ms(workdir: Path, rtd: str) -> list[float]:
    """Every sample of the response-time measure *rtd* in SIPp's ``*_rtt.csv`` files."""
    samples: list[float] = []
    for rtt_file in workdir.glob("*_rtt.csv"):
        for row in csv.DictReader(rtt_file.read_text().splitlines(), delimiter=";"):
            if row.get("rtd_no") == rtd:
                samples.append(float(row["response_time_ms"]))
    return samples


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]
