"""Jump to the exception extension.

Synopsis:
    Handle an exceptional condition.

Syntax:
    RaiseException(reason)

Description:
    Records *reason* (the whole argument) and where the dialplan is, for
    ``${EXCEPTION(reason)}``, ``${EXCEPTION(context)}``, ``${EXCEPTION(exten)}`` and
    ``${EXCEPTION(priority)}``, then goes to the ``e`` extension of the current context.
    Without an ``e`` the dialplan treats ``e`` as an invalid extension: ``i`` (with
    ``INVALID_EXTEN`` = ``e``) if there is one, else it hangs up.
"""

from __future__ import annotations

from dialplan_engine.state import GOTO, AppResult, ExecState

NAME = "RaiseException"


async def execute(state: ExecState, args: str) -> AppResult:
    state.raise_exception(args)
    return GOTO
