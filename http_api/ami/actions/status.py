"""List channel status.

Without ``Channel``, every live channel; ``Variables`` names variables (or functions) to add
to each channel's Status event, ``AllVariables: true`` adds every variable the channel has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.channel_fields import status_fields, variable_fields
from http_api.ami.protocol import ListItem, Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Status"
PRIVILEGE: tuple[str, ...] = ("system", "call", "reporting")
ARGUMENTS = (
    Argument(name="Channel", description="The name of the channel to query for status."),
    Argument(name="Variables", description="Comma ',' separated list of variable to include."),
    Argument(name="AllVariables",
             description="If set to \"true\", the Status event will include all channel "
                         "variables for the requested channel(s)."),
)


async def handle(session: Session, message: Message) -> Response:
    calls = session.switch.calls
    wanted = (message.get("Channel") or "").strip()
    if wanted:
        if wanted not in calls.channels:
            return Response.error("No such channel")
        names = [wanted]
    else:
        names = list(calls.channels)
    requested = [name.strip() for name in (message.get("Variables") or "").split(",")
                 if name.strip()]
    everything = (message.get("AllVariables") or "").strip().lower() in ("true", "yes", "1")
    items = []
    for name in names:
        channel = calls.channels.get(name)
        if channel is None:
            continue
        control = calls.control(name)
        variables: dict[str, str] = dict(channel.variables) if everything else {}
        for variable in requested:
            variables[variable] = (control.get_variable(variable) if control is not None
                                   else channel.variables.get(variable, ""))
        items.append(ListItem(name="Status", action_id_last=True, fields=(
            ("Privilege", "Call"), *status_fields(channel), *variable_fields(variables))))
    return Response.listing("Channel status will follow", items, complete="StatusComplete",
                            extra=(("Items", str(len(items))),))
