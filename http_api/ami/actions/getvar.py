"""Gets a channel variable or function value.

With ``Channel``, the variable (or a function such as ``CALLERID(num)``) as that channel's
dialplan reads it; without, a global variable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Getvar"
PRIVILEGE: tuple[str, ...] = ("call", "reporting")
ARGUMENTS = (
    Argument(name="Channel", description="Channel to read variable from."),
    Argument(name="Variable", required=True, description="Variable name, function or "
                                                         "expression."),
)


async def handle(session: Session, message: Message) -> Response:
    variable = (message.get("Variable") or "").strip()
    if not variable:
        return Response.error("No variable specified")
    name = (message.get("Channel") or "").strip()
    if name:
        control = session.switch.calls.control(name)
        if control is None:
            return Response.error("No such channel")
        value = control.get_variable(variable)
    else:
        value = session.switch.dialplan.globals.get(variable, "")
    return Response.success(fields=(("Variable", variable), ("Value", value)))
