"""Forget the innermost Gosub return address.

Synopsis:
    Remove one address from gosub stack.

Syntax:
    StackPop()

Description:
    Drops the innermost Gosub frame without jumping, so a later ``Return`` goes back past
    it; the frame's ``LOCAL()`` variables and arguments get their previous values back.
    With no frame it warns and continues. Inside a hangup handler it cannot drop the
    handler's own frame: that stops the handler.
"""

from __future__ import annotations

import logging

from dialplan_engine.state import CONTINUE, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "StackPop"


async def execute(state: ExecState, args: str) -> AppResult:
    frames = state.frames
    if not frames:
        logger.warning("StackPop called with an empty gosub stack")
        return CONTINUE
    if frames[-1].special:
        logger.debug("StackPop attempted to pop special return location")
        return HANGUP
    state.pop_frame()
    return CONTINUE
