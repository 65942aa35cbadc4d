"""Show PBX core status variables.

When the switch started (and last reloaded: the same, as it does not reload yet) and how
many channels are up.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "CoreStatus"
PRIVILEGE: tuple[str, ...] = ("system", "reporting")
ARGUMENTS: tuple[Argument, ...] = ()


async def handle(session: Session, message: Message) -> Response:
    started = time.localtime(session.switch.started_at)
    date = time.strftime("%Y-%m-%d", started)
    clock = time.strftime("%H:%M:%S", started)
    calls = str(len(session.switch.calls.channels))
    return Response.success(fields=(
        ("CoreStartupDate", date),
        ("CoreStartupTime", clock),
        ("CoreReloadDate", date),
        ("CoreReloadTime", clock),
        ("CoreCurrentCalls", calls),
        ("CoreProcessedCalls", str(session.switch.calls.processed_calls)),
    ))
