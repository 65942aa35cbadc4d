"""AGI (Asterisk Gateway Interface): run a script that drives the channel over stdin/stdout.

The script gets the ``agi_*`` environment block, then sends one command per line and reads
``200 result=N`` answers. Supported: ANSWER, HANGUP, NOOP, VERBOSE, GET VARIABLE,
GET FULL VARIABLE, CHANNEL STATUS, STREAM FILE, WAIT FOR DIGIT, SAY DIGITS; anything else is
answered ``510 Invalid or unknown command`` so the script sees what is missing. Commands that
need audio answer ``result=-1`` once the channel has hung up (as in Asterisk's ``h``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from dialplan_engine.channel_api import ChannelHungUp

if TYPE_CHECKING:
    from softswitch.switch_channel import SwitchChannel

log = logging.getLogger(__name__)

SCRIPT_TIMEOUT_S = 600.0
MAX_LINE = 8192


class AgiRunner:
    def __init__(self, agi_dir: Path) -> None:
        self._dir = agi_dir

    def resolve(self, script: str) -> Path | None:
        path = Path(script)
        if not path.is_absolute():
            path = self._dir / path
        return path if path.is_file() else None

    async def run(self, channel: SwitchChannel, script: str, args: list[str]) -> str:
        """Run *script*; returns AGISTATUS (SUCCESS, FAILURE, NOTFOUND or HANGUP)."""
        path = self.resolve(script)
        if path is None:
            channel.log.warning("%s: AGI script %s not found in %s", channel.name, script,
                                self._dir)
            return "NOTFOUND"
        try:
            process = await asyncio.create_subprocess_exec(
                str(path), *args, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                limit=MAX_LINE,
            )
        except OSError as exc:
            channel.log.warning("%s: AGI %s cannot start: %s", channel.name, path, exc)
            return "FAILURE"
        assert process.stdin is not None and process.stdout is not None
        try:
            await asyncio.wait_for(self._session(channel, path, args, process),
                                   SCRIPT_TIMEOUT_S)
        except TimeoutError:
            channel.log.warning("%s: AGI %s killed after %.0f s", channel.name, path,
                                SCRIPT_TIMEOUT_S)
            process.kill()
        except (ConnectionError, ValueError) as exc:
            channel.log.warning("%s: AGI %s: %s", channel.name, path, exc)
        with contextlib.suppress(ProcessLookupError):
            if process.returncode is None:
                process.stdin.close()
        code = await process.wait()
        if channel.hung_up:
            return "HANGUP" if code else "SUCCESS"
        return "SUCCESS" if code == 0 else "FAILURE"

    async def _session(self, channel: SwitchChannel, path: Path, args: list[str],
                       process: asyncio.subprocess.Process) -> None:
        assert process.stdin is not None and process.stdout is not None
        env = _environment(channel, path, args)
        process.stdin.write(env.encode())
        await process.stdin.drain()
        while True:
            line = await process.stdout.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip()
            if not command:
                continue
            answer = await self._execute(channel, command)
            process.stdin.write(answer.encode() + b"\n")
            await process.stdin.drain()

    async def _execute(self, channel: SwitchChannel, command: str) -> str:
        try:
            words = shlex.split(command)
        except ValueError:
            return "520 Invalid command syntax."
        upper = [w.upper() for w in words]
        try:
            return await _dispatch(channel, upper, words)
        except ChannelHungUp:
            return "200 result=-1"


async def _dispatch(channel: SwitchChannel, upper: list[str], words: list[str]) -> str:
    match upper:
        case ["ANSWER", *_]:
            await channel.answer()
            return "200 result=0"
        case ["HANGUP", *_]:
            await channel.hangup()
            return "200 result=1"
        case ["NOOP", *_]:
            return "200 result=0"
        case ["VERBOSE", *_]:
            channel.log.info("AGI %s: %s", channel.name, words[1] if len(words) > 1 else "")
            return "200 result=1"
        case ["GET", "VARIABLE", _] | ["GET", "FULL", "VARIABLE", _]:
            value = channel.leg.channel.variables.get(words[-1])
            if value is None:
                value = _builtin(channel, words[-1])
            return "200 result=0" if value is None else f"200 result=1 ({value})"
        case ["CHANNEL", "STATUS", *_]:
            return "200 result=6" if channel.is_up else "200 result=4"
        case ["STREAM", "FILE", _, *rest]:
            digits = words[3] if rest else ""
            result = await channel.play([words[2]], interrupt_digits=digits)
            if not result.completed:
                return "200 result=-1 endpos=0"
            return f"200 result={ord(result.digit) if result.digit else 0} endpos=0"
        case ["WAIT", "FOR", "DIGIT", timeout]:
            try:
                milliseconds = int(timeout)
            except ValueError:
                return "520 Invalid command syntax."
            digit = await channel.wait_for_digit(
                milliseconds / 1000 if milliseconds >= 0 else 86400.0)
            return f"200 result={ord(digit) if digit else 0}"
        case ["SAY", "DIGITS", _, *_]:
            result = await channel.play([f"digits/{d}" for d in words[2] if d.isdigit()])
            return "200 result=0" if result.completed else "200 result=-1"
        case _:
            return "510 Invalid or unknown command"


def _builtin(channel: SwitchChannel, name: str) -> str | None:
    return {
        "UNIQUEID": channel.uniqueid,
        "CHANNEL": channel.name,
        "LINKEDID": channel.linkedid,
        "CALLERID(num)": channel.caller_number,
        "CALLERID(name)": channel.caller_name,
    }.get(name)


def _environment(channel: SwitchChannel, path: Path, args: list[str]) -> str:
    record = channel.leg.channel
    lines = {
        "agi_request": path.name,
        "agi_channel": channel.name,
        "agi_language": channel.language,
        "agi_type": record.technology,
        "agi_uniqueid": channel.uniqueid,
        "agi_version": "softswitch",
        "agi_callerid": channel.caller_number or "unknown",
        "agi_calleridname": channel.caller_name or "unknown",
        "agi_callingpres": "0",
        "agi_dnid": record.exten,
        "agi_rdnis": "unknown",
        "agi_context": record.context,
        "agi_extension": record.exten,
        "agi_priority": str(record.priority),
        "agi_enhanced": "0.0",
        "agi_accountcode": channel.accountcode,
        "agi_threadid": "0",
    }
    text = "".join(f"{key}: {value}\n" for key, value in lines.items())
    text += "".join(f"agi_arg_{n}: {arg}\n" for n, arg in enumerate(args, start=1))
    return text + "\n"
