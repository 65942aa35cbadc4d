"""Tell the caller the call is in progress.

Synopsis:
    Indicate progress.

Syntax:
    Progress()

Description:
    Sends a progress indication to the caller (SIP ``183 Session Progress`` before answer),
    so that in-band audio played before answering reaches the caller.
"""

from __future__ import annotations

from dialplan_engine.channel_api import Indication
from dialplan_engine.state import CONTINUE, AppResult, ExecState

NAME = "Progress"


async def execute(state: ExecState, args: str) -> AppResult:
    state.require_live_channel()
    await state.channel.indicate(Indication.PROGRESS)
    return CONTINUE
