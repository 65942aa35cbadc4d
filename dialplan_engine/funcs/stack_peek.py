"""Synopsis: Where an active Gosub was called from.

Syntax: STACK_PEEK(n,which[,suppress])

Description:
    Looks at the *n*-th Gosub frame, counted from the innermost (``1``), and gives the
    place of the Gosub that made it: *which* ``l`` gives ``context,exten,priority``,
    ``c`` the context, ``e`` the extension, ``p`` the priority (only the first letter
    counts). *n* must be 1 or more. When there are fewer frames the result is empty and
    an error is logged, unless *suppress* is true (``yes``, ``1``...).
"""

from __future__ import annotations

import logging

from dialplan_engine.args import is_affirmative, scan_int, split_args, strip_blanks
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "STACK_PEEK"


def read(ctx: FunctionContext, args: str) -> str:
    parts = [*split_args(args, limit=3), "", "", ""][:3]
    depth_text, which, suppress_text = parts
    if not depth_text or not which:
        _log.error("STACK_PEEK requires parameters n and which")
        return ""
    depth = scan_int(depth_text) or 0
    if depth <= 0:
        _log.error("STACK_PEEK must be called with a positive peek value")
        return ""
    frames = ctx.frames
    if depth > len(frames):
        if not is_affirmative(suppress_text):
            _log.error("Stack peek of '%s' is more stack frames than I have", depth_text)
        return ""
    caller = frames[-depth].caller
    match strip_blanks(which)[:1]:
        case "l":
            return f"{caller.context},{caller.exten},{caller.priority}"
        case "c":
            return caller.context
        case "e":
            return caller.exten
        case "p":
            return str(caller.priority)
        case _:
            _log.error("Unknown argument '%s' to STACK_PEEK", which)
            return ""
