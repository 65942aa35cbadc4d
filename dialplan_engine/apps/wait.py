"""Pause the dialplan.

Synopsis:
    Waits for some time.

Syntax:
    Wait(seconds)

Description:
    Waits *seconds* (fractions allowed), ignoring DTMF, then continues. It ends early only
    when the channel hangs up, which stops the dialplan (``h`` runs). An empty, zero or
    invalid value does not wait.
"""

from __future__ import annotations

from dialplan_engine.apps._support import parse_seconds
from dialplan_engine.state import CONTINUE, AppResult, ExecState

NAME = "Wait"


async def execute(state: ExecState, args: str) -> AppResult:
    state.require_live_channel()
    seconds = parse_seconds(args, app=NAME)
    if seconds is not None:
        await state.channel.wait(seconds)
    return CONTINUE
