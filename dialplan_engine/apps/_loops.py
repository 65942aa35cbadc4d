"""What While, EndWhile, ExitWhile and ContinueWhile share: leaving a loop.

The loops themselves are :attr:`ExecState.while_loops <dialplan_engine.state.ExecState.
while_loops>`; Asterisk keeps the same facts in ``WHILE_n`` / ``END_WHILE_n`` channel
variables.
"""

from __future__ import annotations

import logging

from dialplan_engine.scope import Location
from dialplan_engine.state import CONTINUE, GOTO, AppResult, ExecState

logger = logging.getLogger(__name__)

_OPENS = "while"
_CLOSES = "endwhile"


def leave(state: ExecState, end: Location | None) -> AppResult:
    """Go on after the loop's ``EndWhile``: the remembered place, else the ``EndWhile``
    that matches, counting nested loops, further down this extension."""
    if end is not None:
        state.jump(end.context, end.exten, end.priority)
        return GOTO
    priority = _matching_endwhile(state)
    if priority is None:
        logger.warning(
            "Couldn't find matching EndWhile? (While at %s@%s priority %d)",
            state.context,
            state.exten,
            state.priority,
        )
        return CONTINUE
    state.jump(state.context, state.exten, priority + 1)
    return GOTO


def _matching_endwhile(state: ExecState) -> int | None:
    level = 1
    priority = state.priority + 1
    while (
        match := state.dialplan.find(
            state.context, state.exten, priority, caller_id=state.caller_id
        )
    ) is not None:
        app = match.priority.app.strip().lower()
        if app == _OPENS:
            level += 1
        elif app == _CLOSES:
            level -= 1
            if level == 0:
                return priority
        priority += 1
    return None
