"""Answer a channel if it is ringing.

Synopsis:
    Answer a channel if ringing.

Syntax:
    Answer([delay[,i]])

Description:
    Answers the channel if it is not up yet; on an answered channel it does nothing. The
    switch's ``answer()`` returns once the 200 OK is acknowledged and media flows, so the
    *delay* (Asterisk's wait for the first voice frame) and ``i`` (skip that wait) are
    accepted and have nothing left to change.
"""

from __future__ import annotations

from dialplan_engine.state import CONTINUE, AppResult, ExecState

NAME = "Answer"


async def execute(state: ExecState, args: str) -> AppResult:
    state.require_live_channel()
    if not state.channel.is_up:
        await state.channel.answer()
    return CONTINUE
