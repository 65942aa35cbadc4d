"""Run the real softswitch as a subprocess on loopback, the way an operator would.

Each :class:`SwitchProcess` owns a scratch directory with its own ``softswitch.toml``,
``pjsip.conf``, database and data folder, and its own free ports, so tests never share state
and can run next to a switch the developer left running on 5060.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

import pytest

from .tools import LOOPBACK, PortKind, free_port, port_is_free, rtp_range

READY_MARKER = "softswitch ready"

TomlValue = str | int | float | bool
Overrides = Mapping[str, TomlValue | Mapping[str, TomlValue]]


def phone_block(
    user: str,
    password: str,
    *,
    allow: str = "ulaw,alaw",
    max_contacts: int = 2,
    aor_options: str = "qualify_frequency=0",
) -> str:
    """One phone in pjsip.conf: endpoint, userpass auth and AOR, all named *user*."""
    return f"""\
[{user}]
type=endpoint
context=internal
disallow=all
allow={allow}
auth={user}
aors={user}

[{user}]
type=auth
auth_type=userpass
username={user}
password={password}

[{user}]
type=aor
max_contacts={max_contacts}
remove_existing=yes
{aor_options}
"""


def standard_pjsip_conf() -> str:
    """Extensions 101..105 (password ``passNNN``) and a trunk recognised by source address.

    Two contacts per AOR with ``remove_existing`` is the Asterisk setting offices use for a
    desk phone plus a softphone; qualify is off so no OPTIONS reach short-lived test peers.
    """
    blocks = [phone_block(str(user), f"pass{user}") for user in range(101, 106)]
    blocks.append(
        """\
[trunk]
type=endpoint
context=from-trunk
disallow=all
allow=ulaw,alaw
aors=trunk

[trunk]
type=aor
qualify_frequency=0

[trunk-identify]
type=identify
endpoint=trunk
match=127.0.0.2
"""
    )
    return "\n".join(blocks)


def standard_extensions_conf() -> str:
    """Every phone dials every other by number; the trunk's calls go the same way."""
    return """\
[internal]
exten => _X.,1,Dial(PJSIP/${EXTEN},30)

[from-trunk]
exten => _X.,1,Dial(PJSIP/${EXTEN},30)
"""


def _toml_value(value: TomlValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render_toml(document: Mapping[str, TomlValue | Mapping[str, TomlValue]]) -> str:
    """Write the flat two-level TOML the switch reads (top-level keys, then tables)."""
    lines = [
        f"{key} = {_toml_value(value)}"
        for key, value in document.items()
        if not isinstance(value, Mapping)
    ]
    for section, table in document.items():
        if isinstance(table, Mapping):
            lines.append(f"\n[{section}]")
            lines.extend(f"{key} = {_toml_value(value)}" for key, value in table.items())
    return "\n".join(lines) + "\n"


def _merge(base: dict[str, TomlValue | dict[str, TomlValue]], overrides: Overrides) -> None:
    for key, value in overrides.items():
        current = base.get(key)
        if isinstance(value, Mapping) and isinstance(current, dict):
            current.update(value)
        elif isinstance(value, Mapping):
            base[key] = dict(value)
        else:
            base[key] = value


class SwitchProcess:
    """One softswitch under test: config on disk, a child process, its captured log."""

    def __init__(
        self,
        workdir: Path,
        *,
        pjsip_conf: str | None = None,
        extensions_conf: str | None = None,
        overrides: Overrides | None = None,
        ready_timeout_s: float = 15.0,
        stop_timeout_s: float = 10.0,
    ) -> None:
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "softswitch.toml"
        self.data_dir = workdir / "data"
        self.log_path = workdir / "softswitch.log"
        self.pjsip_path = workdir / "pjsip.conf"
        self.ready_timeout_s = ready_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.sip_port = free_port("both")
        self.http_port = free_port("tcp")
        self.ami_port = free_port("tcp")
        self.rtp_port_min, self.rtp_port_max = rtp_range(200)
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self.starts = 0

        self.pjsip_path.write_text(standard_pjsip_conf() if pjsip_conf is None else pjsip_conf)
        self.extensions_path = workdir / "extensions.conf"
        self.extensions_path.write_text(
            standard_extensions_conf() if extensions_conf is None else extensions_conf
        )
        self.data_dir.mkdir(exist_ok=True)
        document: dict[str, TomlValue | dict[str, TomlValue]] = {
            "node_name": "test-node",
            "sip": {
                "udp": f"{LOOPBACK}:{self.sip_port}",
                "tcp": f"{LOOPBACK}:{self.sip_port}",
                "realm": "asterisk",
                # Short, so the stalled-TCP test finishes quickly.
                "tcp_partial_timeout_s": 2,
            },
            "rtp": {"port_min": self.rtp_port_min, "port_max": self.rtp_port_max},
            "paths": {"data": "data"},
            "database": {"url": "sqlite+aiosqlite:///data/softswitch.db"},
            "http": {"listen": f"{LOOPBACK}:{self.http_port}"},
            "ami": {"listen": f"{LOOPBACK}:{self.ami_port}"},
            "bootstrap": {"pjsip": "pjsip.conf", "extensions": "extensions.conf"},
        }
        if overrides:
            _merge(document, overrides)
        self.config_path.write_text(render_toml(document))

    # -- addresses -------------------------------------------------------------------------

    @property
    def sip_address(self) -> str:
        """``127.0.0.1:PORT`` of the SIP listener (UDP and TCP share the number)."""
        return f"{LOOPBACK}:{self.sip_port}"

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise RuntimeError("the switch is not running")
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- log -------------------------------------------------------------------------------

    def log_text(self, since: int = 0) -> str:
        """Everything the switch wrote to stdout/stderr (from byte offset *since*)."""
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as fh:
            fh.seek(since)
            return fh.read().decode("utf-8", errors="replace")

    def log_offset(self) -> int:
        """A mark for :meth:`log_text` so a test can look only at what came after it."""
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def wait_for_log(self, pattern: str, *, since: int = 0, timeout_s: float = 5.0) -> str:
        """Wait until a line matching the regex *pattern* was logged; return that line."""
        compiled = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        while True:
            for line in self.log_text(since).splitlines():
                if compiled.search(line):
                    return line
            if time.monotonic() >= deadline:
                pytest.fail(
                    f"the switch logged nothing matching {pattern!r} within {timeout_s} s\n"
                    f"--- switch log ---\n{self.log_text(since)}"
                )
            time.sleep(0.05)

    # -- lifecycle -------------------------------------------------------------------------

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "softswitch", "--config", str(self.config_path), *args]

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # The switch's own stdout may be a pipe to a file; unbuffered keeps the log in order.
        env["PYTHONUNBUFFERED"] = "1"
        env.pop("SOFTSWITCH_CONFIG", None)
        return env

    def start(self) -> None:
        if self.running:
            raise RuntimeError("the switch is already running")
        wanted: tuple[tuple[int, PortKind], ...] = (
            (self.sip_port, "both"),
            (self.http_port, "tcp"),
            (self.ami_port, "tcp"),
        )
        for port, kind in wanted:
            if not port_is_free(port, kind):
                pytest.fail(f"port {port} ({kind}) is taken before the switch starts")
        offset = self.log_offset()
        self._log_file = self.log_path.open("ab")
        self._log_file.write(f"--- harness: start #{self.starts + 1} ---\n".encode())
        self._log_file.flush()
        self._proc = subprocess.Popen(
            self._command("serve"),
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=self._environment(),
        )
        self.starts += 1
        deadline = time.monotonic() + self.ready_timeout_s
        while True:
            if READY_MARKER in self.log_text(offset):
                return
            code = self._proc.poll()
            if code is not None:
                self._close_log()
                self._proc = None
                pytest.fail(
                    f"the switch exited with code {code} before '{READY_MARKER}'\n"
                    f"--- switch log ---\n{self.log_text()}"
                )
            if time.monotonic() >= deadline:
                self._kill()
                pytest.fail(
                    f"the switch did not log '{READY_MARKER}' within {self.ready_timeout_s} s\n"
                    f"--- switch log ---\n{self.log_text()}"
                )
            time.sleep(0.05)

    def stop(self) -> int:
        """SIGTERM, then wait; return the exit code. A switch that will not stop fails the test."""
        proc = self._proc
        if proc is None:
            raise RuntimeError("the switch is not running")
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_timeout_s)
            except subprocess.TimeoutExpired:
                self._kill()
                pytest.fail(
                    f"the switch did not stop within {self.stop_timeout_s} s of SIGTERM\n"
                    f"--- switch log ---\n{self.log_text()}"
                )
        self._proc = None
        self._close_log()
        return proc.returncode

    def restart(self) -> None:
        """Stop cleanly (exit code 0 required) and start again on the same config and ports."""
        code = self.stop()
        if code != 0:
            pytest.fail(f"the switch exited with code {code} on SIGTERM\n{self.log_text()}")
        self.start()

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def close(self) -> int | None:
        """Stop if running (used at teardown); returns the exit code, or None if not running."""
        if self._proc is None:
            return None
        return self.stop()

    def __enter__(self) -> SwitchProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- CLI -------------------------------------------------------------------------------

    def cli(
        self, *args: str, check: bool = True, timeout_s: float = 30.0
    ) -> subprocess.CompletedProcess[str]:
        """Run ``softswitch --config <ours> ARGS`` and return its output.

        With *check*, a non-zero exit fails the test and shows both outputs.
        """
        result = subprocess.run(
            self._command(*args),
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=self._environment(),
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"softswitch {' '.join(args)} exited with {result.returncode}\n"
                f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
            )
        return result


SwitchFactory = Callable[..., SwitchProcess]
"""What the ``switch_factory`` fixture hands out: ``factory(pjsip_conf=..., overrides=...)``."""
