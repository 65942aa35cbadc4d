"""Execute Asterisk CLI Command.

Runs ``Command`` on the switch console; each line of the output becomes an ``Output``
header, with the trailing newline trimmed and terminal colours removed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response, Status

# The module, not its names: the console lists these actions in turn (manager show
# commands), and whichever of the two is imported first finds the other half made.
from softswitch import console

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Command"
PRIVILEGE: tuple[str, ...] = ("command",)
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Command", required=True,
             description="The console command line to run, as 'softswitch cli' takes it."),
)

# As Asterisk: these would let a manager client change the running code or stop the server.
_BLACKLIST = (("module", "load"), ("module", "unload"), ("restart", "gracefully"))
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FOLLOWS = "Command output follows"


async def handle(session: Session, message: Message) -> Response:
    line = (message.get("Command") or "").strip()
    if not line:
        return Response.error("No command provided")
    words = tuple(word.lower() for word in line.split())
    if any(words[: len(banned)] == banned for banned in _BLACKLIST):
        return Response.error("Command blacklisted")
    try:
        output = await console.execute(session.switch, line)
        status = Status.SUCCESS
    except console.ConsoleError as exc:
        output = f"{exc}\n"
        status = Status.ERROR
    lines = _ANSI.sub("", output).removesuffix("\n").split("\n") if output.strip() else []
    return Response(status=status, message=_FOLLOWS,
                    fields=tuple(("Output", text) for text in lines))
