"""Show PBX core status variables.

When the switch started and last ran a Reload (its start when none ran since), how many
channels are up and how many calls it has handled.
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
    switch = session.switch
    started = time.localtime(switch.started_at)
    date = time.strftime("%Y-%m-%d", started)
    clock = time.strftime("%H:%M:%S", started)
    reloaded = time.localtime(switch.reloaded_at or switch.started_at)
    calls = str(len(session.switch.calls.channels))
    return Response.success(fields=(
        ("CoreStartupDate", date),
        ("CoreStartupTime", clock),
        ("CoreReloadDate", time.strftime("%Y-%m-%d", reloaded)),
        ("CoreReloadTime", time.strftime("%H:%M:%S", reloaded)),
        ("CoreCurrentCalls", calls),
        ("CoreProcessedCalls", str(session.switch.calls.processed_calls)),
    ))
