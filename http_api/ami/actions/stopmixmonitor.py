"""Stop recording a call through MixMonitor, and free the recording's file handle.

Without ``MixMonitorID`` the most recent recording of the channel stops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "StopMixMonitor"
PRIVILEGE: tuple[str, ...] = ("system", "call")
ARGUMENTS = (
    Argument(name="Channel", required=True, description="The name of the channel monitored."),
    Argument(name="MixMonitorID", description="If a valid ID is provided, then this command "
                                              "will stop only that specific MixMonitor."),
)


async def handle(session: Session, message: Message) -> Response:
    name = (message.get("Channel") or "").strip()
    if not name:
        return Response.error("No channel specified")
    control = session.switch.calls.control(name)
    if control is None:
        return Response.error("No such channel")
    recorder = (message.get("MixMonitorID") or "").strip() or None
    if not await control.stop_mixmonitor(recorder):
        return Response.error("Could not stop monitoring channel")
    return Response.success()
