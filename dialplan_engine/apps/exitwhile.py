"""Leave a loop.

Synopsis:
    End a While loop.

Syntax:
    ExitWhile()

Description:
    Leaves the innermost loop: the dialplan goes on after its ``EndWhile``. Outside any
    loop it goes on after the next ``EndWhile`` of the extension, if there is one (a
    warning and the next priority otherwise).
"""

from __future__ import annotations

from dialplan_engine.apps import _loops
from dialplan_engine.state import AppResult, ExecState

NAME = "ExitWhile"


async def execute(state: ExecState, args: str) -> AppResult:
    loop = state.while_loops.pop() if state.while_loops else None
    return _loops.leave(state, loop.end if loop is not None else None)
