"""Synopsis: Properties of the current channel.

Syntax: CHANNEL(item)

Description:
    Reads one *item* (case-insensitive) of the channel:

    * ``name`` — the channel name (``PJSIP/101-00000001``);
    * ``uniqueid`` — its unique id; ``linkedid`` — the unique id of the oldest channel of
      the call (the channel's own id when it started the call);
    * ``state`` — ``Down``, ``Ring``, ``Ringing``, ``Up``...;
    * ``language``, ``accountcode`` — also writable: ``Set(CHANNEL(language)=fr)``;
    * ``channeltype`` — the technology (``PJSIP``);
    * ``exten``, ``context`` — where the channel is in the dialplan;
    * ``checkhangup`` — ``1`` when the channel is hanging up, else ``0``.

    Another item reads as empty and logs a warning.

    Hangup handlers, write-only: ``Set(CHANNEL(hangup_handler_push)=[[context,]exten,]
    priority[(args)])`` adds a subroutine to run, as with Gosub, once the channel has hung
    up and ``h`` has run; the last pushed runs first, and the context and extension left
    out are those of the channel at the time of the push. ``hangup_handler_pop`` removes
    the last pushed handler and ``hangup_handler_wipe`` all of them; either then pushes
    the value when it is not empty.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import expand_subroutine_target
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "CHANNEL"


def read(ctx: FunctionContext, args: str) -> str:
    item = args.lower()
    channel = ctx.channel
    if item.startswith("uniqueid"):
        return channel.uniqueid
    if item == "name":
        return channel.name
    if item == "linkedid":
        return channel.linkedid or channel.uniqueid
    if item == "state":
        return channel.state_description
    if item == "language":
        return channel.language
    if item == "accountcode":
        return channel.accountcode
    if item == "channeltype":
        return channel.name.partition("/")[0]
    if item == "exten":
        return ctx.builtin("EXTEN") or ""
    if item == "context":
        return ctx.builtin("CONTEXT") or ""
    if item == "checkhangup":
        return "1" if channel.hung_up else "0"
    _log.warning("Unknown or unavailable item requested: '%s'", args)
    return ""


def write(ctx: FunctionContext, args: str, value: str) -> None:
    item = args.lower()
    if item == "language":
        ctx.channel.language = value
    elif item == "accountcode":
        ctx.channel.accountcode = value
    elif item in ("hangup_handler_push", "hangup_handler_pop", "hangup_handler_wipe"):
        _change_hangup_handlers(ctx, item, value)
    else:
        _log.warning("Unknown or unavailable item requested: '%s'", args)


def _change_hangup_handlers(ctx: FunctionContext, item: str, value: str) -> None:
    handlers = ctx.hangup_handlers
    if item == "hangup_handler_pop" and handlers:
        handlers.pop()
    elif item == "hangup_handler_wipe":
        handlers.clear()
    if value:
        context, exten = ctx.builtin("CONTEXT") or "", ctx.builtin("EXTEN") or ""
        handlers.append(expand_subroutine_target(value, context, exten))
