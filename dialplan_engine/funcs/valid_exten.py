"""Synopsis: Whether an extension exists in the dialplan.

Syntax: VALID_EXTEN([context],extension[,priority])

Description:
    ``1`` when *extension* (matched as a call would match it, patterns, includes and the
    caller's number included) has *priority* (default 1) in *context* (default the
    current one), else ``0``. A missing *extension* gives an empty result and a warning;
    a *priority* that is not a number counts as 0, which never exists.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import scan_int, split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "VALID_EXTEN"


def read(ctx: FunctionContext, args: str) -> str:
    context, exten, priority_text = [*split_args(args, limit=3), "", "", ""][:3]
    if not exten:
        _log.warning(
            "Syntax: VALID_EXTEN([<context>],<extension>[,<priority>]) - missing argument "
            "<extension>!"
        )
        return ""
    priority = (scan_int(priority_text) or 0) if priority_text else 1
    found = ctx.dialplan.exists(
        context or ctx.builtin("CONTEXT") or "", exten, priority, caller_id=ctx.caller_id
    )
    return "1" if found else "0"
