"""Tell the caller the call is ringing.

Synopsis:
    Indicate ringing tone.

Syntax:
    Ringing()

Description:
    Sends a ringing indication to the caller (SIP ``180 Ringing`` before answer).
"""

from __future__ import annotations

from dialplan_engine.channel_api import Indication
from dialplan_engine.state import CONTINUE, AppResult, ExecState

NAME = "Ringing"


async def execute(state: ExecState, args: str) -> AppResult:
    state.require_live_channel()
    await state.channel.indicate(Indication.RINGING)
    return CONTINUE
