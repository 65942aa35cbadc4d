"""Start a loop.

Synopsis:
    Start a while loop.

Syntax:
    While(expr)

Description:
    While *expr* is true (GotoIf's rule: empty or a leading integer 0 is false) the
    dialplan goes on at the next priority; the matching ``EndWhile`` comes back here and
    the expression, substituted again, decides once more. When it is false the dialplan
    goes on after the matching ``EndWhile`` (the one that closes this loop further down
    the extension, nested loops counted). Loops may nest and may be left with
    ``ExitWhile``; without a matching ``EndWhile`` a false expression warns and continues.
"""

from __future__ import annotations

from dialplan_engine.apps import _loops
from dialplan_engine.expressions import is_true
from dialplan_engine.state import CONTINUE, AppResult, ExecState, WhileLoop

NAME = "While"


async def execute(state: ExecState, args: str) -> AppResult:
    here = state.location
    loops = state.while_loops
    index = next((i for i, loop in enumerate(loops) if loop.start == here), None)
    if not is_true(args):
        end = loops[index].end if index is not None else None
        if index is not None:
            del loops[index:]
        return _loops.leave(state, end)
    if index is None:
        loops.append(WhileLoop(start=here))
    else:
        # Loops inside this one that a Goto left without ending are over now.
        del loops[index + 1 :]
    return CONTINUE
