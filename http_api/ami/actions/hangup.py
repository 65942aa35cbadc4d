"""Hangup channel.

``Channel`` is a channel name, or ``/regex/`` to hang up every channel whose name matches;
``Cause`` is the Q.850 cause to hang up with (default 16, Normal Clearing).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import ListItem, Message, Response
from softswitch.channel import HangupCause

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Hangup"
PRIVILEGE: tuple[str, ...] = ("system", "call")
ARGUMENTS = (
    Argument(name="Channel", required=True,
             description="The exact channel name to be hungup, or to use a regular "
                         "expression, set this parameter to: /regex/"),
    Argument(name="Cause", description="Numeric hangup cause."),
)


def _cause(text: str | None) -> HangupCause | None:
    if not text or not text.strip():
        return HangupCause.NORMAL_CLEARING
    try:
        number = int(text.strip())
    except ValueError:
        return None
    if not 0 <= number <= 127:
        return None
    try:
        return HangupCause(number)
    except ValueError:
        return HangupCause.NORMAL_UNSPECIFIED


async def handle(session: Session, message: Message) -> Response:
    wanted = (message.get("Channel") or "").strip()
    if not wanted:
        return Response.error("No channel specified")
    cause = _cause(message.get("Cause"))
    if cause is None:
        return Response.error("Invalid cause")
    calls = session.switch.calls
    if len(wanted) > 1 and wanted.startswith("/") and wanted.endswith("/"):
        try:
            pattern = re.compile(wanted[1:-1])
        except re.error:
            return Response.error("Invalid regex")
        hung = []
        for name in list(calls.controls):
            control = calls.control(name)
            if control is not None and pattern.search(name):
                await control.request_hangup(cause)
                hung.append(ListItem(name="ChannelHungup", fields=(("Channel", name),)))
        return Response.listing("Channels hung up will follow", hung,
                                complete="ChannelsHungupListComplete")
    control = calls.control(wanted)
    if control is None:
        return Response.error("No such channel")
    await control.request_hangup(cause)
    return Response.success("Channel Hungup")
