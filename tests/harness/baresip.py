"""Drive baresip, a real softphone, from tests through its ``ctrl_tcp`` module.

Every agent gets its own config directory, SIP port, RTP range and control port, so several
run side by side on loopback. Commands and events travel as netstring-framed JSON on one TCP
connection (``LEN:{json},``): responses carry ``"response": true`` and the token we sent,
events carry ``"event": true`` and a ``type`` such as ``REGISTER_OK`` or ``CALL_ESTABLISHED``.

Facts this harness is built on (checked with baresip 1.0.0):

* the SIP stack also binds TLS on ``sip_listen`` port + 1 (TCP), and refuses to start when
  that is taken, so the agent reserves both;
* the first REGISTER is usually answered before the control connection exists, so its
  ``REGISTER_OK``/``REGISTER_FAIL`` event can be missed; :meth:`BaresipAgent.wait_registration`
  falls back to ``reginfo``, and accounts added later with ``uanew`` always report events;
* ``audio_player alsa`` busy-loops a core, so audio goes to ``aubridge``'s null device;
* the call is hung up when the ``aufile`` source reaches the end of its wav, so sources are
  padded with silence to outlast the agent.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import time
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from .tools import LOOPBACK, free_port, port_is_free, require_tool, rtp_range

SipTransport = Literal["udp", "tcp"]

_MODULE_DIRS = (
    Path("/usr/lib/baresip/modules"),
    Path("/usr/lib/x86_64-linux-gnu/baresip/modules"),
    Path("/usr/lib/aarch64-linux-gnu/baresip/modules"),
    Path("/usr/local/lib/baresip/modules"),
)
_SAMPLE_RATE = 8000
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class BaresipError(Exception):
    """baresip did not start, answered a command with an error, or an event never came."""


def module_path() -> Path:
    for candidate in _MODULE_DIRS:
        if (candidate / "ctrl_tcp.so").exists():
            return candidate
    raise BaresipError(f"baresip modules (ctrl_tcp.so) not found in {_MODULE_DIRS}")


def write_silence(path: Path, seconds: float) -> Path:
    """A 16-bit mono 8 kHz wav of silence, for an agent that must send audio but no content."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(_SAMPLE_RATE)
        out.writeframes(b"\x00\x00" * int(seconds * _SAMPLE_RATE))
    return path


def pad_wav(source: Path, target: Path, seconds: float) -> Path:
    """Copy a 16-bit mono wav and append silence up to *seconds* (baresip hangs up at its end)."""
    with wave.open(str(source), "rb") as src:
        params = src.getparams()
        frames = src.readframes(params.nframes)
    if params.sampwidth != 2 or params.nchannels != 1:
        raise BaresipError(f"{source}: expected a 16-bit mono wav")
    missing = max(0, int(seconds * params.framerate) - params.nframes)
    with wave.open(str(target), "wb") as out:
        out.setparams(params)
        out.writeframes(frames + b"\x00\x00" * missing)
    return target


def _sip_port() -> int:
    """A port free for SIP on UDP and TCP whose successor is free for baresip's TLS listener."""
    for _ in range(100):
        port = free_port("both")
        if port < 65535 and port_is_free(port + 1, "tcp"):
            return port
    raise BaresipError("no port pair free for baresip's SIP and TLS listeners")


@dataclass(frozen=True, slots=True, kw_only=True)
class BaresipAccount:
    """One ``accounts`` line. ``registrar`` None means a peer-to-peer agent that never registers."""

    user: str
    registrar: str | None = None
    """``HOST:PORT`` of the switch; also the domain of the AOR."""
    password: str | None = None
    transport: SipTransport = "udp"
    regint: int = 600
    answermode: Literal["auto", "manual"] = "auto"
    codecs: str = "pcmu,pcma"

    @property
    def aor(self) -> str:
        return f"sip:{self.user}@{self.registrar or LOOPBACK}"

    def line(self) -> str:
        if self.registrar is None:
            uri = f"<sip:{self.user}@{LOOPBACK}>"
            regint = 0
        else:
            uri = f"<sip:{self.user}@{self.registrar};transport={self.transport}>"
            regint = self.regint
        params = [
            f"answermode={self.answermode}",
            f"regint={regint}",
            f"audio_codecs={self.codecs}",
        ]
        if self.password is not None:
            params.insert(0, f"auth_pass={self.password}")
        return ";".join([uri, *params])


class BaresipAgent:
    """A baresip process plus its control connection."""

    def __init__(
        self,
        workdir: Path,
        *,
        account: BaresipAccount,
        audio_source: Path | None = None,
        record: bool = False,
        max_seconds: int = 60,
        extra_config: Mapping[str, str] | None = None,
    ) -> None:
        self.binary = require_tool("baresip")
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.account = account
        self.max_seconds = max_seconds
        self.record_dir = workdir / "recordings" if record else None
        self.sip_port = _sip_port()
        self.ctrl_port = free_port("tcp")
        self.rtp_min, self.rtp_max = rtp_range(100)
        self.log_path = workdir / "baresip.log"
        self.events: list[dict[str, Any]] = []
        """Every event received so far, in order (``wait_event`` never removes from here)."""
        self._pending: list[dict[str, Any]] = []
        self._buffer = b""
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._tokens = 0
        if audio_source is None:
            audio_source = write_silence(workdir / "silence.wav", max_seconds + 5)
        else:
            audio_source = pad_wav(audio_source, workdir / "source.wav", max_seconds + 5)
        self.audio_source = audio_source
        self._write_config(extra_config or {})

    # -- configuration ---------------------------------------------------------------------

    @property
    def contact_hostport(self) -> str:
        """``127.0.0.1:PORT`` that appears in this agent's Contact."""
        return f"{LOOPBACK}:{self.sip_port}"

    def _write_config(self, extra: Mapping[str, str]) -> None:
        settings: dict[str, str] = {
            "module_path": str(module_path()),
            "sip_listen": f"{LOOPBACK}:{self.sip_port}",
            "net_interface": LOOPBACK,
            "rtp_ports": f"{self.rtp_min}-{self.rtp_max}",
            "audio_player": "aubridge,nullbridge",
            "audio_alert": "aubridge,nullbridge",
            "audio_source": f"aufile,{self.audio_source}",
            "ctrl_tcp_listen": f"{LOOPBACK}:{self.ctrl_port}",
        }
        if self.record_dir is not None:
            self.record_dir.mkdir(exist_ok=True)
            settings["snd_path"] = str(self.record_dir)
        settings.update(extra)
        modules = ["g711.so", "aubridge.so", "aufile.so"]
        if self.record_dir is not None:
            modules.append("sndfile.so")
        # ctrl_tcp before account, so the control port exists as early as possible.
        apps = ["ctrl_tcp.so", "account.so", "menu.so"]
        lines = [f"{key}\t{value}" for key, value in settings.items()]
        lines += [f"module\t{name}" for name in modules]
        lines += [f"module_app\t{name}" for name in apps]
        (self.workdir / "config").write_text("\n".join(lines) + "\n")
        (self.workdir / "accounts").write_text(self.account.line() + "\n")

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout_s: float = 5.0) -> BaresipAgent:
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                [self.binary, "-f", str(self.workdir), "-t", str(self.max_seconds)],
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout_s
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise BaresipError(f"baresip exited with {code} at start\n{self.log_text()}")
            try:
                self._sock = socket.create_connection((LOOPBACK, self.ctrl_port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    self.stop()
                    raise BaresipError(
                        f"baresip control port {self.ctrl_port} not open\n{self.log_text()}"
                    ) from None
                time.sleep(0.01)
        return self

    def log_text(self) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return _ANSI.sub("", text)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout_s: float = 5.0) -> int | None:
        """``quit`` over the control connection, then SIGTERM, then SIGKILL."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None and self._sock is not None:
            # A dying agent may already have closed the socket or may ignore the quit.
            with contextlib.suppress(OSError):
                self._send("quit", None, "quit")
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=timeout_s)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._proc = None
        return proc.returncode

    def __enter__(self) -> BaresipAgent:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- control protocol ------------------------------------------------------------------

    def _send(self, command: str, params: str | None, token: str) -> None:
        if self._sock is None:
            raise BaresipError("baresip is not running")
        body = json.dumps({"command": command, "params": params, "token": token}).encode()
        self._sock.sendall(str(len(body)).encode() + b":" + body + b",")

    def _next_message(self, deadline: float) -> dict[str, Any] | None:
        """One decoded netstring, or None when *deadline* passes first."""
        if self._sock is None:
            raise BaresipError("baresip is not running")
        while True:
            colon = self._buffer.find(b":")
            if colon > 0:
                length = int(self._buffer[:colon])
                end = colon + 1 + length
                if len(self._buffer) > end:
                    if self._buffer[end : end + 1] != b",":
                        raise BaresipError(f"bad netstring from baresip: {self._buffer[:80]!r}")
                    payload = self._buffer[colon + 1 : end]
                    self._buffer = self._buffer[end + 1 :]
                    message: dict[str, Any] = json.loads(payload)
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._sock.settimeout(remaining)
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                raise BaresipError(f"baresip closed the control connection\n{self.log_text()}")
            self._buffer += chunk

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("event"):
            self.events.append(message)
            self._pending.append(message)

    def command(
        self, command: str, params: str | None = None, timeout_s: float = 5.0
    ) -> dict[str, Any]:
        """Run a menu command (``dial``, ``hangup``, ``reginfo``...) and return its response."""
        self._tokens += 1
        token = f"t{self._tokens}"
        self._send(command, params, token)
        deadline = time.monotonic() + timeout_s
        while True:
            message = self._next_message(deadline)
            if message is None:
                raise BaresipError(f"no response to {command!r} within {timeout_s} s")
            if message.get("response") and message.get("token") == token:
                if not message.get("ok", False):
                    raise BaresipError(f"{command!r} failed: {message.get('data')}")
                return message
            self._dispatch(message)

    def wait_event(self, event_type: str, timeout_s: float = 10.0) -> dict[str, Any]:
        """The next not yet consumed event of *event_type*; other events stay queued."""
        deadline = time.monotonic() + timeout_s
        while True:
            for index, message in enumerate(self._pending):
                if message.get("type") == event_type:
                    del self._pending[index]
                    return message
            incoming = self._next_message(deadline)
            if incoming is None:
                seen = [m.get("type") for m in self.events]
                raise BaresipError(
                    f"no {event_type} within {timeout_s} s; events seen: {seen}\n"
                    f"{self.log_text()[-4000:]}"
                )
            self._dispatch(incoming)

    def drain_events(self, seconds: float) -> list[dict[str, Any]]:
        """Collect whatever events arrive during *seconds* (to prove something did not happen)."""
        deadline = time.monotonic() + seconds
        while self._next_message_into_queue(deadline):
            pass
        return list(self.events)

    def _next_message_into_queue(self, deadline: float) -> bool:
        message = self._next_message(deadline)
        if message is None:
            return False
        self._dispatch(message)
        return True

    # -- conveniences ----------------------------------------------------------------------

    def registration_state(self) -> str:
        """``OK``, ``ERR`` or ``zzz`` (not yet) for our account, as ``reginfo`` shows it."""
        data = _ANSI.sub("", str(self.command("reginfo")["data"]))
        for line in data.splitlines():
            if self.account.aor in line or f"sip:{self.account.user}@" in line:
                for state in ("OK", "ERR", "zzz"):
                    if re.search(rf"\s{state}\s", f" {line} "):
                        return state
        return "unknown"

    def wait_registration(self, timeout_s: float = 10.0) -> dict[str, Any]:
        """The outcome of registering: a ``REGISTER_OK`` or ``REGISTER_FAIL`` event.

        If the control connection came up after the outcome, the event is lost; ``reginfo``
        then tells the state and a synthetic event with ``"from": "reginfo"`` is returned.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            for index, message in enumerate(self._pending):
                if message.get("type") in ("REGISTER_OK", "REGISTER_FAIL"):
                    del self._pending[index]
                    return message
            state = self.registration_state()
            if state in ("OK", "ERR"):
                kind = "REGISTER_OK" if state == "OK" else "REGISTER_FAIL"
                return {
                    "event": True,
                    "type": kind,
                    "from": "reginfo",
                    "accountaor": self.account.aor,
                }
            if time.monotonic() >= deadline:
                raise BaresipError(
                    f"registration of {self.account.aor} undecided after {timeout_s} s\n"
                    f"{self.log_text()[-4000:]}"
                )
            self._next_message_into_queue(min(deadline, time.monotonic() + 0.2))

    def add_account(self, account: BaresipAccount) -> dict[str, Any]:
        """Create another UA at run time (``uanew``); its registration reports events."""
        return self.command("uanew", account.line())

    def dial(self, uri: str) -> dict[str, Any]:
        return self.command("dial", uri)

    def accept(self) -> dict[str, Any]:
        return self.command("accept")

    def hangup(self) -> dict[str, Any]:
        return self.command("hangup")

    def recordings(self) -> list[Path]:
        """Wav files written by ``sndfile`` (``*-dec.wav`` received, ``*-enc.wav`` sent)."""
        if self.record_dir is None:
            return []
        return sorted(self.record_dir.glob("*.wav"))
