"""Control Event Flow.

``EventMask: on|off|<number>|<classes>``; the user's read classes limit it in every case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.privileges import parse_event_mask
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Events"
PRIVILEGE: tuple[str, ...] = ()
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="EventMask", required=True,
             description="on or off, a number (Asterisk's bit mask), or a comma list of"
                         " event classes such as system,call,log."),
)


async def handle(session: Session, message: Message) -> Response:
    login = session.login
    if login is None:
        return Response.error("Permission denied")
    mask = parse_event_mask(message.get("EventMask") or "", login.read)
    if mask is None:
        return Response.error("Invalid event mask")
    session.event_mask = mask
    return Response.success(fields=(("Events", "On" if mask else "Off"),))
