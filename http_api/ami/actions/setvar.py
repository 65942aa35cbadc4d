"""Sets a channel variable or function value.

With ``Channel``, as ``Set(Variable=Value)`` on that channel (functions such as
``CALLERID(name)`` may be written); without, a global variable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response
from softswitch.events import VarSet

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Setvar"
PRIVILEGE: tuple[str, ...] = ("call",)
ARGUMENTS = (
    Argument(name="Channel", description="Channel to set variable for."),
    Argument(name="Variable", required=True, description="Variable name, function or "
                                                         "expression."),
    Argument(name="Value", required=True, description="Variable or function value."),
)


async def handle(session: Session, message: Message) -> Response:
    variable = (message.get("Variable") or "").strip()
    if not variable:
        return Response.error("No variable specified")
    value = message.get("Value") or ""
    name = (message.get("Channel") or "").strip()
    if name:
        control = session.switch.calls.control(name)
        if control is None:
            return Response.error("No such channel")
        control.set_variable(variable, value)
    else:
        session.switch.dialplan.globals[variable] = value
        session.switch.events.publish(VarSet(channel="", uniqueid="", variable=variable,
                                             value=value))
    return Response.success("Variable Set")
