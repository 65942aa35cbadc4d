"""Do nothing.

Synopsis:
    Do Nothing (No Operation).

Syntax:
    NoOp([text])

Description:
    Does nothing. The arguments are still substituted before it runs, so it shows values in
    the debug log and triggers functions with side effects.
"""

from __future__ import annotations

from dialplan_engine.state import CONTINUE, AppResult, ExecState

NAME = "NoOp"


async def execute(state: ExecState, args: str) -> AppResult:
    return CONTINUE
