"""Drive SIPp non-interactively and read back what it saw.

SIPp exits 0 only when every call of the run succeeded, so the return code is the verdict;
the statistics, the unexpected-message log (``-trace_err``), the ``<log>`` actions and the full
message trace are collected as well so a failing assertion can show the whole exchange.
"""

from __future__ import annotations

import csv
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from .tools import LOOPBACK, require_tool

Transport = Literal["u1", "t1"]

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

# What SIPp calls its files inside the run directory; fixed names keep them easy to find.
_STAT_FILE = "stat.csv"
_ERROR_FILE = "errors.log"
_LOG_FILE = "actions.log"
_MESSAGE_FILE = "messages.log"
_MESSAGE_SEPARATOR = re.compile(r"^-{20,} [^\n]*$", re.MULTILINE)
_SCREEN_RE = {
    "successful": re.compile(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)"),
    "failed": re.compile(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)"),
}


def scenario(name: str) -> Path:
    """Path of a scenario shipped in ``tests/scenarios`` (``"register_auth"`` or with ``.xml``)."""
    path = SCENARIOS / (name if name.endswith(".xml") else f"{name}.xml")
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


@dataclass(frozen=True, slots=True, kw_only=True)
class SippStats:
    successful: int
    """Calls (scenario runs) that reached the end of the scenario."""
    failed: int
    """Calls aborted: timeout, unexpected message, regexp check, retransmission limit..."""
    created: int
    """Calls started (outgoing) or accepted (incoming)."""
    source: str
    """Where the numbers came from: ``"csv"``, ``"screen"`` or ``"none"``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SippResult:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str
    errors: str
    """The ``-trace_err`` log: unexpected messages and failed ``check_it`` regexps."""
    logs: str
    """Lines written by ``<log>`` actions in the scenario."""
    messages: str
    """Every SIP message sent and received (``-trace_msg``)."""
    stats: SippStats
    workdir: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.stats.failed == 0

    def received(self) -> list[str]:
        """The SIP messages SIPp received, in order, as text (from the ``-trace_msg`` log).

        Needed where a regexp cannot answer: SIPp's ``search_in="hdr"`` sees only the first
        of several same-named headers, e.g. one Contact of a 200 that lists two bindings.
        """
        messages = []
        for block in _MESSAGE_SEPARATOR.split(self.messages):
            head, _, body = block.lstrip("\r\n").partition("\n")
            if " message received " in head:
                messages.append(body.strip("\r\n") + "\r\n")
        return messages

    def describe(self) -> str:
        """A readable dump for assertion messages."""
        return (
            f"sipp exited {self.returncode}: {self.stats}\n"
            f"command: {' '.join(self.command)}\n"
            f"--- errors ---\n{self.errors}\n--- stderr ---\n{self.stderr}\n"
            f"--- logs ---\n{self.logs}\n--- messages ---\n{self.messages[-6000:]}"
        )


def header_values(message: str, name: str) -> list[str]:
    """Every value of header *name* in *message*, one per comma-separated entry.

    Splits at commas outside ``<...>`` and quotes, which is enough for Contact and Via.
    """
    values: list[str] = []
    for line in message.splitlines():
        field, sep, value = line.partition(":")
        if sep and field.strip().lower() == name.lower():
            values.extend(_split_commas(value.strip()))
    return values


def _split_commas(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "<>":
            depth += 1 if char == "<" else -1
        if char == "," and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def _stat_value(row: Mapping[str, str], column: str) -> int:
    value = row.get(column, "").strip()
    return int(value) if value.isdigit() else 0


def parse_stats(workdir: Path, stdout: str) -> SippStats:
    """Final cumulative counters from the ``-trace_stat`` CSV, else from the last screen."""
    stat_path = workdir / _STAT_FILE
    if stat_path.exists():
        rows = list(
            csv.DictReader(stat_path.read_text(errors="replace").splitlines(), delimiter=";")
        )
        if rows:
            last = rows[-1]
            return SippStats(
                successful=_stat_value(last, "SuccessfulCall(C)"),
                failed=_stat_value(last, "FailedCall(C)"),
                created=_stat_value(last, "TotalCallCreated")
                or _stat_value(last, "IncomingCall(C)") + _stat_value(last, "OutgoingCall(C)"),
                source="csv",
            )
    found = {key: pattern.findall(stdout) for key, pattern in _SCREEN_RE.items()}
    if found["successful"] or found["failed"]:
        successful = int(found["successful"][-1]) if found["successful"] else 0
        failed = int(found["failed"][-1]) if found["failed"] else 0
        return SippStats(
            successful=successful, failed=failed, created=successful + failed, source="screen"
        )
    return SippStats(successful=0, failed=0, created=0, source="none")


def build_command(
    scenario_path: Path,
    *,
    target: str | None,
    local_port: int | None,
    transport: Transport,
    calls: int,
    rate: float | None,
    service: str | None,
    auth_user: str | None,
    auth_pass: str | None,
    variables: Mapping[str, str] | None,
    extra: Sequence[str],
    timeout_s: float,
) -> list[str]:
    command = [
        require_tool("sipp"),
        *([target] if target else []),
        "-sf", str(scenario_path),
        "-t", transport,
        "-i", LOOPBACK,
        "-m", str(calls),
        "-nostdin",
        "-timeout", f"{max(1, round(timeout_s))}s",
        "-timeout_error",
        "-trace_err", "-error_file", _ERROR_FILE,
        "-trace_stat", "-stf", _STAT_FILE,
        "-trace_logs", "-log_file", _LOG_FILE,
        "-trace_msg", "-message_file", _MESSAGE_FILE,
    ]  # fmt: skip
    if local_port is not None:
        command += ["-p", str(local_port)]
    if rate is not None:
        command += ["-r", f"{rate:g}"]
    if service is not None:
        command += ["-s", service]
    if auth_user is not None:
        command += ["-au", auth_user]
    if auth_pass is not None:
        command += ["-ap", auth_pass]
    for name, value in (variables or {}).items():
        command += ["-set", name, value]
    command += list(extra)
    return command


def _workdir(workdir: Path | None) -> Path:
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix="sipp-"))
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def _result(
    command: list[str], returncode: int, stdout: str, stderr: str, workdir: Path
) -> SippResult:
    return SippResult(
        command=command,
        returncode=returncode,
        stdout=stdout,
        stderr=stderr,
        errors=_read(workdir / _ERROR_FILE),
        logs=_read(workdir / _LOG_FILE),
        messages=_read(workdir / _MESSAGE_FILE),
        stats=parse_stats(workdir, stdout),
        workdir=workdir,
    )


def run_sipp(
    scenario_path: Path,
    *,
    target: str,
    local_port: int | None = None,
    transport: Transport = "u1",
    calls: int = 1,
    rate: float | None = None,
    service: str | None = None,
    auth_user: str | None = None,
    auth_pass: str | None = None,
    variables: Mapping[str, str] | None = None,
    extra: Sequence[str] = (),
    timeout_s: float = 20,
    workdir: Path | None = None,
) -> SippResult:
    """Run one bounded SIPp client to completion (``target`` is ``HOST:PORT``)."""
    run_dir = _workdir(workdir)
    command = build_command(
        scenario_path,
        target=target,
        local_port=local_port,
        transport=transport,
        calls=calls,
        rate=rate,
        service=service,
        auth_user=auth_user,
        auth_pass=auth_pass,
        variables=variables,
        extra=extra,
        timeout_s=timeout_s,
    )
    try:
        completed = subprocess.run(
            command,
            cwd=run_dir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            # SIPp's own -timeout ends the run; this only guards against SIPp itself hanging.
            timeout=timeout_s + 15,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return _result(
            command,
            -int(signal.SIGKILL),
            _text(exc.stdout),
            _text(exc.stderr) + "\n(harness: sipp killed after its own timeout did not fire)",
            run_dir,
        )
    return _result(command, completed.returncode, completed.stdout, completed.stderr, run_dir)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode(errors="replace")


class SippBackground:
    """A SIPp process left running while the test does other things (a UAS, a load run).

    ``stop()`` asks SIPp to finish the way pressing ``q`` would (SIGUSR1), then waits; a
    SIPp that ignores it is terminated. Either way the result is collected like ``run_sipp``.
    """

    def __init__(
        self,
        scenario_path: Path,
        *,
        target: str | None = None,
        local_port: int | None = None,
        transport: Transport = "u1",
        calls: int = 1,
        rate: float | None = None,
        service: str | None = None,
        auth_user: str | None = None,
        auth_pass: str | None = None,
        variables: Mapping[str, str] | None = None,
        extra: Sequence[str] = (),
        timeout_s: float = 60,
        workdir: Path | None = None,
    ) -> None:
        self.workdir = _workdir(workdir)
        self.local_port = local_port
        self.command = build_command(
            scenario_path,
            target=target,
            local_port=local_port,
            transport=transport,
            calls=calls,
            rate=rate,
            service=service,
            auth_user=auth_user,
            auth_pass=auth_pass,
            variables=variables,
            extra=extra,
            timeout_s=timeout_s,
        )
        self._stdout: IO[str] | None = None
        self._stderr: IO[str] | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._result: SippResult | None = None

    def start(self) -> SippBackground:
        self._stdout = (self.workdir / "stdout.txt").open("w")
        self._stderr = (self.workdir / "stderr.txt").open("w")
        self._proc = subprocess.Popen(
            self.command,
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
            text=True,
        )
        if self.local_port is not None:
            self._wait_bound(self.local_port)
        return self

    def _wait_bound(self, port: int) -> None:
        """Wait until SIPp owns its port, so the first request sent to it is not lost."""
        deadline = time.monotonic() + 5.0
        pattern = re.compile(rf"^\s*\d+:\s+\w+:{port:04X}\s", re.MULTILINE)
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                return
            for table in ("/proc/net/udp", "/proc/net/tcp"):
                if pattern.search(_read(Path(table))):
                    return
            time.sleep(0.02)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def wait(self, timeout_s: float) -> SippResult:
        """Wait for SIPp to end by itself (e.g. after ``-m`` calls)."""
        if self._result is not None:
            return self._result
        if self._proc is None:
            raise RuntimeError("sipp was not started")
        try:
            self._proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return self.stop()
        return self._collect()

    def stop(self, grace_s: float = 5.0) -> SippResult:
        if self._result is not None:
            return self._result
        if self._proc is None:
            raise RuntimeError("sipp was not started")
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGUSR1)
            try:
                self._proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=grace_s)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
        return self._collect()

    def _collect(self) -> SippResult:
        assert self._proc is not None
        for handle in (self._stdout, self._stderr):
            if handle is not None:
                handle.close()
        self._result = _result(
            self.command,
            self._proc.returncode,
            _read(self.workdir / "stdout.txt"),
            _read(self.workdir / "stderr.txt"),
            self.workdir,
        )
        return self._result

    def __enter__(self) -> SippBackground:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class SippUAS(SippBackground):
    """A SIPp server on its own port answering calls (``tests/scenarios/uas_answer.xml``).

    To be reachable as an extension through the switch, register its contact first from the
    same port with :func:`register_contact`, then start the UAS on that port.
    """

    def __init__(
        self,
        *,
        local_port: int,
        scenario_path: Path | None = None,
        calls: int = 1,
        transport: Transport = "u1",
        media_port: int | None = None,
        rtp_echo: bool = True,
        extra: Sequence[str] = (),
        timeout_s: float = 60,
        workdir: Path | None = None,
    ) -> None:
        options = list(extra)
        if rtp_echo:
            options.append("-rtp_echo")
        if media_port is not None:
            options += ["-mp", str(media_port), "-mi", LOOPBACK]
        super().__init__(
            scenario_path or scenario("uas_answer"),
            local_port=local_port,
            transport=transport,
            calls=calls,
            extra=options,
            timeout_s=timeout_s,
            workdir=workdir,
        )


def register_contact(
    target: str,
    *,
    user: str,
    password: str,
    local_port: int,
    expires: int = 3600,
    transport: Transport = "u1",
    workdir: Path | None = None,
    timeout_s: float = 10,
) -> SippResult:
    """REGISTER ``sip:USER@127.0.0.1:LOCAL_PORT`` with digest and leave the binding in place."""
    return run_sipp(
        scenario("register_only"),
        target=target,
        local_port=local_port,
        transport=transport,
        service=user,
        auth_user=user,
        auth_pass=password,
        variables={"expires": str(expires), "hold_ms": "0"},
        timeout_s=timeout_s,
        workdir=workdir,
    )


def register_and_hold(
    target: str,
    *,
    user: str,
    password: str,
    local_port: int,
    hold_ms: int,
    expires: int = 3600,
    transport: Transport = "u1",
    workdir: Path | None = None,
) -> SippBackground:
    """Like :func:`register_contact`, but SIPp stays (and keeps its TCP connection) for
    *hold_ms* after the 200; ``wait()`` on the returned runner gives the result."""
    return SippBackground(
        scenario("register_only"),
        target=target,
        local_port=local_port,
        transport=transport,
        service=user,
        auth_user=user,
        auth_pass=password,
        variables={"expires": str(expires), "hold_ms": str(hold_ms)},
        timeout_s=hold_ms / 1000 + 10,
        workdir=workdir,
    ).start()
