"""Send an arbitrary event.

Publishes a ``UserEvent`` event (class ``user``) named after the ``UserEvent`` header and
carrying every other header of the request but ``Action``, in order, as Asterisk does.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response
from softswitch.events import UserEventRaised

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "UserEvent"
PRIVILEGE: tuple[str, ...] = ("user",)
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="UserEvent", required=True, description="The name of the event."),
    Argument(name="Header1",
             description="Any further header, copied into the event as it is (Header2, ...)."),
)

_NOT_COPIED = frozenset({"action", "userevent"})


async def handle(session: Session, message: Message) -> Response:
    fields = tuple((key, value) for key, value in message.pairs
                   if key.lower() not in _NOT_COPIED)
    event = UserEventRaised(name=message.get("UserEvent") or "", fields=fields)
    # Published once this answer is written: the event echoes the ActionID, and a client
    # that saw it first would take it for the answer (Asterisk queues it the same way).
    asyncio.get_running_loop().call_soon(session.switch.events.publish, event)
    return Response.success("Event Sent")
