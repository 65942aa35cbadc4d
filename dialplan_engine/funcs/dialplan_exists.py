"""Synopsis: Whether a context, extension or priority exists in the dialplan.

Syntax: DIALPLAN_EXISTS(context[,extension[,priority]])

Description:
    With only *context*: ``1`` when that context is defined. With *extension*: ``1`` when
    it exists (priority 1) in *context*, matched as a call would match it. With
    *priority*, a number or a label: ``1`` when the extension has it. Else ``0``. An empty
    argument is an error with an empty result.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import scan_int, split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "DIALPLAN_EXISTS"


def read(ctx: FunctionContext, args: str) -> str:
    if not args:
        _log.error("DIALPLAN_EXISTS() requires an argument")
        return ""
    context, exten, priority_text = [*split_args(args, limit=3), "", "", ""][:3]
    dialplan = ctx.dialplan
    if priority_text:
        priority = scan_int(priority_text)
        if priority is not None and priority > 0:
            found = dialplan.exists(context, exten, priority, caller_id=ctx.caller_id)
        else:
            label = dialplan.find_label(context, exten, priority_text, caller_id=ctx.caller_id)
            found = label is not None
    elif exten:
        found = dialplan.exists(context, exten, 1, caller_id=ctx.caller_id)
    elif context:
        found = context in dialplan.contexts
    else:
        _log.error("Invalid arguments provided to DIALPLAN_EXISTS")
        return ""
    return "1" if found else "0"
