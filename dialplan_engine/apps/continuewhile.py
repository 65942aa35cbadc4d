"""Start the next turn of a loop.

Synopsis:
    Restart a While loop.

Syntax:
    ContinueWhile()

Description:
    Goes back to the ``While`` of the innermost loop at once, which checks its expression
    again. Outside any loop it does nothing.
"""

from __future__ import annotations

from dialplan_engine.state import CONTINUE, GOTO, AppResult, ExecState

NAME = "ContinueWhile"


async def execute(state: ExecState, args: str) -> AppResult:
    if not state.while_loops:
        return CONTINUE
    start = state.while_loops[-1].start
    state.jump(start.context, start.exten, start.priority)
    return GOTO
