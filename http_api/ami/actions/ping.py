"""Keepalive command.

Answers ``Ping: Pong`` and the server's clock as seconds since the epoch.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Ping"
PRIVILEGE: tuple[str, ...] = ()
ARGUMENTS: tuple[Argument, ...] = ()


async def handle(session: Session, message: Message) -> Response:
    return Response.success(fields=(("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}")))
