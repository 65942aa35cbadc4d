"""End a loop.

Synopsis:
    End a while loop.

Syntax:
    EndWhile()

Description:
    Goes back to the ``While`` of the innermost loop, which checks its expression again.
    Outside any loop it does nothing.
"""

from __future__ import annotations

from dialplan_engine.scope import Location
from dialplan_engine.state import CONTINUE, GOTO, AppResult, ExecState

NAME = "EndWhile"


async def execute(state: ExecState, args: str) -> AppResult:
    if not state.while_loops:
        return CONTINUE
    loop = state.while_loops[-1]
    if loop.end is None:
        loop.end = Location(state.context, state.exten, state.priority + 1)
    start = loop.start
    state.jump(start.context, start.exten, start.priority)
    return GOTO
