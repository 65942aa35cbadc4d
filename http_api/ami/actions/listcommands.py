"""List available manager commands.

One header per action the user may run, in registration order:
``Name: Synopsis (Priv: classes)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.privileges import privilege_text
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "ListCommands"
PRIVILEGE: tuple[str, ...] = ()
ARGUMENTS: tuple[Argument, ...] = ()


async def handle(session: Session, message: Message) -> Response:
    return Response.success(fields=tuple(
        (action.name, f"{action.synopsis} (Priv: {privilege_text(action.privilege)})")
        for action in session.actions.values()
        if session.may_run(action)
    ))
