"""Synopsis: Named groups of dial strings, kept across restarts.

Syntax: DIALGROUP(group[,op])

Description:
    Reading ``${DIALGROUP(group)}`` gives the members joined with ``&``, ready for
    ``Dial(${DIALGROUP(group)})``; an unknown group reads as empty, with a warning.

    Writing changes the group (created when needed):

    * ``Set(DIALGROUP(group)=PJSIP/101&PJSIP/102)`` replaces all members;
    * ``Set(DIALGROUP(group,add)=PJSIP/103)`` adds members (a member already there is
      ignored);
    * ``Set(DIALGROUP(group,del)=PJSIP/101)`` removes them (any *op* starting with ``del``;
      a member that is not there logs a warning).

    *op* is case-insensitive; group and member names are not. Members come out in the
    order Asterisk's hash table gives them (37 buckets of its string hash, insertion order
    within a bucket), not in the order they were added, so a reader sees the same list as
    on Asterisk. A group left without members is removed from the database. The groups
    persist in AstDB family ``dialgroup``, key = group, value = the ``&``-joined list.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "DIALGROUP"

_BUCKETS = 37
_MAX_MEMBERS = 100
"""Asterisk splits a written value into at most 100 members; the 100th keeps the rest."""


def read(ctx: FunctionContext, args: str) -> str:
    # The whole argument names the group: reading takes no op.
    members = ctx.dialgroups.members(args)
    if members is None:
        _log.warning("No such dialgroup '%s'", args)
        return ""
    return "&".join(sorted(members, key=bucket))


def write(ctx: FunctionContext, args: str, value: str) -> None:
    parts = split_args(args, limit=2)
    group = parts[0] if parts else ""
    op = parts[1] if len(parts) == 2 else ""
    given = [face for face in split_args(value, "&", limit=_MAX_MEMBERS) if face]
    if not op:
        members: list[str] = []
        op = "add"
    else:
        members = ctx.dialgroups.members(group) or []
    if op.lower() == "add":
        for face in given:
            if face not in members:
                members.append(face)
    elif op.lower().startswith("del"):
        for face in given:
            if face in members:
                members.remove(face)
            else:
                _log.warning("Interface '%s' not found in dialgroup '%s'", face, group)
    else:
        _log.error("Unrecognized operation: %s", op)
        return
    ctx.dialgroups.set_members(group, sorted(members, key=bucket))


def bucket(member: str) -> int:
    """The hash bucket Asterisk's dial group container puts *member* in
    (``ast_str_hash``: djb2 with xor over signed chars, 32-bit, then modulo 37)."""
    value = 5381
    for byte in member.encode():
        signed = byte - 256 if byte >= 128 else byte
        value = ((value * 33) ^ signed) & 0xFFFFFFFF
    if value >= 2**31:
        value -= 2**32
    return abs(value) % _BUCKETS
