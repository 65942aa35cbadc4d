"""Set several channel variables at once.

Synopsis:
    Set channel variable(s) or function value(s).

Syntax:
    MSet(name1=value1[,name2=value2[,...]])

Description:
    Each comma-separated pair is split at its first ``=``; the standard argument rules
    apply, so quotes around a value are removed and ``\\,`` keeps a comma. Names work as in
    Set (``_``/``__`` inheritance, ``NAME(args)`` functions). A pair without ``=`` is
    warned about and skipped.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args
from dialplan_engine.funcs import assign
from dialplan_engine.state import CONTINUE, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "MSet"


async def execute(state: ExecState, args: str) -> AppResult:
    for pair in split_args(args):
        name, equals, value = pair.partition("=")
        if not equals or not name:
            logger.warning("MSet: ignoring '%s', which is not name=value", pair)
            continue
        assign(state, name, value)
    return CONTINUE
