"""Indicate busy, then hang up.

Synopsis:
    Indicate the Busy condition.

Syntax:
    Busy([timeout])

Description:
    Sends a busy indication to the caller (SIP ``486 Busy Here`` before answer, a busy tone
    after), waits *timeout* seconds, or until the caller hangs up when no timeout is given,
    and hangs up (cause 17 USER_BUSY on an unanswered call). The ``h`` extension runs next.
"""

from __future__ import annotations

from dialplan_engine.apps._support import indicate_then_wait
from dialplan_engine.channel_api import Indication
from dialplan_engine.state import AppResult, ExecState

NAME = "Busy"
_USER_BUSY = 17


async def execute(state: ExecState, args: str) -> AppResult:
    return await indicate_then_wait(state, Indication.BUSY, _USER_BUSY, args, app=NAME)
