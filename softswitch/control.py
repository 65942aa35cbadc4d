"""The control socket: a Unix socket in the data folder through which ``softswitch cli``
reaches the running switch. One JSON request line in, one JSON answer line out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from softswitch.console import ConsoleError, execute

if TYPE_CHECKING:
    from softswitch.app import Switch

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 65536


class ControlServer:
    def __init__(self, switch: Switch, path: Path) -> None:
        self._switch = switch
        self.path = path
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._server = await asyncio.start_unix_server(
            self._serve, path=str(self.path), limit=MAX_REQUEST_BYTES
        )
        self.path.chmod(0o600)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), timeout=10)
            answer = await self._answer(line)
            writer.write(json.dumps(answer).encode() + b"\n")
            await writer.drain()
        except (TimeoutError, ConnectionError, ValueError) as exc:
            log.warning("control connection dropped: %s", exc)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, line: bytes) -> dict[str, object]:
        try:
            request = json.loads(line)
            command = request["command"]
            if not isinstance(command, str):
                raise TypeError("command must be a string")
        except (ValueError, KeyError, TypeError) as exc:
            return {"ok": False, "output": f"bad control request: {exc}\n"}
        try:
            return {"ok": True, "output": await execute(self._switch, command)}
        except ConsoleError as exc:
            return {"ok": False, "output": f"{exc}\n"}
