"""Record a call and mix the audio during the recording.

Starts MixMonitor on a channel in the dialplan, exactly as the ``MixMonitor(File,Options,
Command)`` application would there (relative files land in the monitor folder).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dialplan_engine.channel_api import ApplicationError
from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response
from softswitch.calls.control import NoDialplan

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "MixMonitor"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS = (
    Argument(name="Channel", required=True, description="Used to specify the channel to "
                                                        "record."),
    Argument(name="File", description="Is the name of the file created in the monitor "
                                      "spool directory."),
    Argument(name="Options", description="Options that apply to the MixMonitor in the same "
                                         "way as they would apply if invoked from the "
                                         "MixMonitor application."),
    Argument(name="Command", description="Will be executed when the recording is over."),
)


async def handle(session: Session, message: Message) -> Response:
    name = (message.get("Channel") or "").strip()
    if not name:
        return Response.error("No channel specified")
    control = session.switch.calls.control(name)
    if control is None:
        return Response.error("No such channel")
    file = message.get("File") or ""
    options = message.get("Options") or ""
    command = message.get("Command") or ""
    args = ",".join((file, options, command)).rstrip(",")
    try:
        await control.run_application("MixMonitor", args)
    except (ApplicationError, NoDialplan):
        return Response.error("Could not start monitoring channel")
    variable = _id_variable(options)
    if variable:
        return Response.success(fields=(("MixMonitorID", control.get_variable(variable)),))
    return Response.success()


def _id_variable(options: str) -> str:
    """The variable named by option ``i(var)``, where MixMonitor leaves its id."""
    start = options.find("i(")
    if start < 0:
        return ""
    end = options.find(")", start)
    return options[start + 2:end] if end > start else ""
