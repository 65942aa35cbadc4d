"""The switch's HTTP listener (``[http] listen``, 8088 by default): one aiohttp application
that every HTTP surface mounts its routes on.

Each surface module offers ``setup(app, switch)``; :data:`SURFACES` lists them in the order
their routes are added.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage

from http_api import evolvex
from http_api.ami import http_transport as ami_http

if TYPE_CHECKING:
    from softswitch.app import Switch

log = logging.getLogger(__name__)

Setup = Callable[[web.Application, "Switch"], None]

SURFACES: tuple[Setup, ...] = (ami_http.setup, evolvex.setup)

SWITCH_KEY = web.AppKey("switch", object)


class _MalformedRequestsInOneLine(logging.Filter):
    """aiohttp answers a malformed request 400 itself and logs a traceback for it; bad input
    deserves one line, as the SIP side gives it. Faults in our handlers still log in full."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, BadHttpMessage):
            log.warning("malformed HTTP request refused: %s", error.message)
            return False
        return True


logging.getLogger("aiohttp.server").addFilter(_MalformedRequestsInOneLine())


def build_app(switch: Switch, surfaces: tuple[Setup, ...] = SURFACES) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[SWITCH_KEY] = switch
    for setup in surfaces:
        setup(app, switch)
    return app


class HttpServer:
    def __init__(self, switch: Switch) -> None:
        self._switch = switch
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(build_app(self._switch), access_log=None,
                                     handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, host, port)
        await self._site.start()
        log.info("http listening on %s:%d", host, self.port)

    @property
    def port(self) -> int:
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("the HTTP server is not listening")
        address = self._runner.addresses[0]
        return int(address[1])

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
