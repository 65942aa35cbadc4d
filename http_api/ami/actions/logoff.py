"""Logoff Manager.

Ends the session; the connection closes after the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response, Status

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Logoff"
PRIVILEGE: tuple[str, ...] = ()
ARGUMENTS: tuple[Argument, ...] = ()


async def handle(session: Session, message: Message) -> Response:
    return Response(status=Status.GOODBYE, message="Thanks for all the fish.", close=True)
