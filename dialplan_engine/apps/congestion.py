"""Indicate congestion, then hang up.

Synopsis:
    Indicate the Congestion condition.

Syntax:
    Congestion([timeout])

Description:
    Sends a congestion indication to the caller (SIP ``503 Service Unavailable`` before
    answer, a fast busy tone after), waits *timeout* seconds, or until the caller hangs up
    when no timeout is given, and hangs up (cause 34 NORMAL_CIRCUIT_CONGESTION on an
    unanswered call). The ``h`` extension runs next.
"""

from __future__ import annotations

from dialplan_engine.apps._support import indicate_then_wait
from dialplan_engine.channel_api import Indication
from dialplan_engine.state import AppResult, ExecState

NAME = "Congestion"
_NORMAL_CIRCUIT_CONGESTION = 34


async def execute(state: ExecState, args: str) -> AppResult:
    return await indicate_then_wait(
        state, Indication.CONGESTION, _NORMAL_CIRCUIT_CONGESTION, args, app=NAME
    )
