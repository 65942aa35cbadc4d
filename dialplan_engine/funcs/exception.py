"""Synopsis: Why and where the dialplan last went to the ``e`` extension.

Syntax: EXCEPTION(field)

Description:
    *field*, in any letter case: ``reason`` — ``INVALID`` (an extension that does not
    exist), ``RESPONSETIMEOUT``, ``ABSOLUTETIMEOUT`` or what ``RaiseException`` gave — and
    ``context``, ``exten`` and ``priority`` of the place where it happened. Before any
    exception the result is empty; an unknown field is empty and warns.
"""

from __future__ import annotations

import logging

from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "EXCEPTION"


def read(ctx: FunctionContext, args: str) -> str:
    info = ctx.exception
    if info is None:
        return ""
    field = args.lower()
    if field == "reason":
        return info.reason
    if field == "context":
        return info.context
    if field.startswith("exten"):
        return info.exten
    if field == "priority":
        return str(info.priority)
    _log.warning("EXCEPTION: unknown field '%s' (reason, context, exten, priority)", args)
    return ""
