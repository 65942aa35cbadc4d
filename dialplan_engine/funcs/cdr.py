"""Synopsis: Fields and variables of the channel's call detail record.

Syntax: CDR(name[,options])

Description:
    Reads or writes one value of the CDR the switch writes for this channel when the call
    ends. Field names are case-insensitive; variable names are kept as written.

    * ``userfield`` — free text for the ``userfield`` column:
      ``Set(CDR(userfield)=campaign-7)``; empty until set.
    * ``accountcode`` — the channel's account code (the same value as
      ``CHANNEL(accountcode)``), written to ``accountcode``.
    * ``amaflags`` — ``OMIT``, ``BILLING`` or ``DOCUMENTATION`` (the default); written by
      name in any case or as ``1``, ``2``, ``3``, and ``default`` means ``DOCUMENTATION``.
      With option ``u`` it reads as the number.
    * ``channel``, ``uniqueid``, ``linkedid``, ``src`` (the caller's number), ``clid``
      (``"Name" <number>``), ``dst`` and ``dcontext`` (where the channel is) read as the
      record will show them.
    * ``start``, ``answer``, ``end``, ``duration``, ``billsec``, ``disposition``,
      ``dstchannel``, ``lastapp``, ``lastdata``, ``peeraccount`` and ``sequence`` are
      computed only when the record is finished: reading one gives an empty value and a
      warning. These fields, and those of the list above, cannot be written (an error is
      logged), and neither can ``peeraccount``, which belongs to the other party.
    * Any other name is a CDR variable: ``Set(CDR(route)=27)`` stores it, ``${CDR(route)}``
      reads it back (empty when unset). A column of the site's ``cdr`` table with the same
      name, in any case, receives it.

    Options ``f`` (fractions of seconds) of Asterisk are not supported: the computed time
    fields cannot be read here.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "CDR"

USERFIELD = "userfield"
AMAFLAGS = "amaflags"
"""The keys of :meth:`~dialplan_engine.channel_api.ChannelAPI.set_cdr_field` for the two
writable fields; any other key is a CDR variable."""

AMA_FLAGS = {"OMIT": 1, "BILLING": 2, "DOCUMENTATION": 3}
DEFAULT_AMA_FLAGS = "DOCUMENTATION"

_FINISHED_ONLY = frozenset({
    "start", "answer", "end", "duration", "billsec", "disposition", "dstchannel", "lastapp",
    "lastdata", "peeraccount", "sequence",
})
_READ_ONLY = _FINISHED_ONLY | {"channel", "uniqueid", "linkedid", "src", "clid", "dst",
                                "dcontext"}


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=2)
    if not parts or not parts[0]:
        _log.warning("CDR requires a field or variable name")
        return ""
    name = parts[0]
    options = parts[1] if len(parts) == 2 else ""
    field = name.lower()
    channel = ctx.channel
    if field == USERFIELD:
        return channel.cdr_field(USERFIELD) or ""
    if field == AMAFLAGS:
        flags = channel.cdr_field(AMAFLAGS) or DEFAULT_AMA_FLAGS
        return str(AMA_FLAGS[flags]) if "u" in options else flags
    if field == "accountcode":
        return channel.accountcode
    if field == "channel":
        return channel.name
    if field == "uniqueid":
        return channel.uniqueid
    if field == "linkedid":
        return channel.linkedid or channel.uniqueid
    if field == "src":
        return channel.caller_number
    if field == "clid":
        return caller_id(channel.caller_name, channel.caller_number)
    if field == "dst":
        return ctx.builtin("EXTEN") or ""
    if field == "dcontext":
        return ctx.builtin("CONTEXT") or ""
    if field in _FINISHED_ONLY:
        _log.warning("CDR(%s) is known only once the record is finished", name)
        return ""
    return channel.cdr_field(name) or ""


def write(ctx: FunctionContext, args: str, value: str) -> None:
    parts = split_args(args, limit=2)
    if not parts or not parts[0]:
        _log.warning("CDR requires a field or variable name")
        return
    name = parts[0]
    field = name.lower()
    channel = ctx.channel
    if field == USERFIELD:
        channel.set_cdr_field(USERFIELD, value)
    elif field == AMAFLAGS:
        flags = parse_ama_flags(value)
        if flags is None:
            _log.warning("Unknown AMA flags '%s'", value)
        else:
            channel.set_cdr_field(AMAFLAGS, flags)
    elif field == "accountcode":
        channel.accountcode = value
    elif field == "peeraccount":
        _log.warning("The 'peeraccount' setting is not supported. Please set the "
                     "'accountcode' on the appropriate channel using the CHANNEL function.")
    elif field in _READ_ONLY:
        _log.error("Attempt to set the '%s' read-only variable!", name)
    else:
        channel.set_cdr_field(name, value)


def parse_ama_flags(text: str) -> str | None:
    """``OMIT``/``BILLING``/``DOCUMENTATION`` for a name (any case), its number, or
    ``default``; None for anything else."""
    word = text.strip().upper()
    if word == "DEFAULT":
        return DEFAULT_AMA_FLAGS
    if word in AMA_FLAGS:
        return word
    for flags, number in AMA_FLAGS.items():
        if word == str(number):
            return flags
    return None


def caller_id(name: str, number: str) -> str:
    """The ``clid`` of a record (``ast_callerid_merge``): ``"Name" <number>``, or whichever
    of the two is set."""
    if name and number:
        return f'"{name}" <{number}>'
    return name or number
