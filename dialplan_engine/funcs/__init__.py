"""The dialplan functions: one module each, collected in :data:`FUNCTIONS`.

A function module has a ``NAME`` (case-sensitive, spelled as current Asterisk spells it),
``read(ctx, args) -> str``, optionally ``write(ctx, args, value) -> None``, and a module
docstring with ``Synopsis:``, ``Syntax:`` and ``Description:`` sections that the manager's
command listings show. ``args`` is the text between the first ``(`` and the last ``)`` of
the call, already substituted; each function splits it itself (:mod:`dialplan_engine.args`),
because Asterisk's functions do not all split the same way.

Functions and substitution need each other (``CUT`` substitutes ``${name}``, substitution
calls functions), so the modules import each other as module objects and look names up at
call time.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from dialplan_engine.funcs import (
    array_,
    base64_decode,
    base64_encode,
    callerid,
    cdr,
    channel,
    csv_quote,
    cut,
    db,
    db_delete,
    db_exists,
    dec,
    dialgroup,
    dialplan_exists,
    exception,
    exists,
    fieldnum,
    fieldqty,
    filter_,
    global_,
    hash_,
    hashkeys,
    if_,
    iftime,
    inc,
    isnull,
    keypadhash,
    len_,
    listfilter,
    local,
    local_peek,
    math_,
    md5,
    pop,
    push,
    quote,
    rand,
    regex,
    replace,
    set_,
    sha1,
    shift,
    sprintf,
    stack_peek,
    strftime,
    strptime,
    timeout,
    tolower,
    toupper,
    unshift,
    uridecode,
    uriencode,
    valid_exten,
)
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

FUNCTIONS: tuple[ModuleType, ...] = (
    array_,
    base64_decode,
    base64_encode,
    callerid,
    cdr,
    channel,
    csv_quote,
    cut,
    db,
    db_delete,
    db_exists,
    dec,
    dialgroup,
    dialplan_exists,
    exception,
    exists,
    fieldnum,
    fieldqty,
    filter_,
    global_,
    hash_,
    hashkeys,
    if_,
    iftime,
    inc,
    isnull,
    keypadhash,
    len_,
    listfilter,
    local,
    local_peek,
    math_,
    md5,
    pop,
    push,
    quote,
    rand,
    regex,
    replace,
    set_,
    sha1,
    shift,
    sprintf,
    stack_peek,
    strftime,
    strptime,
    timeout,
    tolower,
    toupper,
    unshift,
    uridecode,
    uriencode,
    valid_exten,
)

ReadFunction = Callable[[FunctionContext, str], str]
WriteFunction = Callable[[FunctionContext, str, str], None]

_SECTION = re.compile(r"^(Synopsis|Syntax|Description):[ \t]*", re.MULTILINE)


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionModule:
    """One registered function, as read from its module."""

    name: str
    read: ReadFunction
    write: WriteFunction | None
    synopsis: str
    syntax: str
    description: str
    module: ModuleType


def _describe(module: ModuleType) -> FunctionModule:
    name = module.NAME
    read = module.read
    write = getattr(module, "write", None)
    if not isinstance(name, str) or not callable(read) or not (write is None or callable(write)):
        raise TypeError(f"{module.__name__} is not a dialplan function module")
    sections = _sections(inspect.cleandoc(module.__doc__ or ""))
    missing = {"Synopsis", "Syntax", "Description"} - sections.keys()
    if missing:
        raise TypeError(f"{module.__name__} docstring lacks {sorted(missing)}")
    return FunctionModule(
        name=name,
        read=read,
        write=write,
        synopsis=sections["Synopsis"],
        syntax=sections["Syntax"],
        description=sections["Description"],
        module=module,
    )


def _sections(doc: str) -> dict[str, str]:
    parts = _SECTION.split(doc)
    # split() alternates: text before the first header, then (header, body) pairs.
    return {
        header: inspect.cleandoc(body)
        for header, body in zip(parts[1::2], parts[2::2], strict=True)
    }


_BY_NAME: dict[str, FunctionModule] = {
    described.name: described for described in map(_describe, FUNCTIONS)
}


def find_function(name: str) -> FunctionModule | None:
    """The function called exactly *name* (function names are case-sensitive)."""
    return _BY_NAME.get(name)


def split_call(call: str) -> tuple[str, str]:
    """``NAME(args)`` → name and args: args run from the first ``(`` to the last ``)``;
    text after that ``)`` is ignored, and a missing ``)`` takes the rest (with a warning)."""
    name, paren, rest = call.partition("(")
    if not paren:
        _log.warning("Function '%s' doesn't contain parentheses. Assuming null argument.", call)
        return call, ""
    close = rest.rfind(")")
    if close < 0:
        _log.warning("Can't find trailing parenthesis for function '%s(%s'?", name, rest)
        return name, rest
    return name, rest[:close]


def read_function(ctx: FunctionContext, name: str, args: str) -> str | None:
    """Call function *name* with *args*; None when there is no such function."""
    function = find_function(name)
    if function is None:
        _log.warning("Function %s not registered", name)
        return None
    return function.read(ctx, args)


def read_function_call(ctx: FunctionContext, call: str) -> str | None:
    """Read ``NAME(args)``; None when there is no such function."""
    return read_function(ctx, *split_call(call))


def write_function(ctx: FunctionContext, call: str, value: str) -> bool:
    """``Set(NAME(args)=value)``; False (and a warning) when *NAME* does not exist or
    cannot be written."""
    name, args = split_call(call)
    function = find_function(name)
    if function is None:
        _log.warning("Function %s not registered", name)
        return False
    if function.write is None:
        _log.warning("Function %s cannot be written to", name)
        return False
    function.write(ctx, args, value)
    return True


def assign(ctx: FunctionContext, name: str, value: str) -> None:
    """What ``Set`` does with one ``name=value``: a name ending in ``)`` writes that
    function, any other name sets a channel variable (``_``/``__`` prefixes included)."""
    if name.endswith(")"):
        write_function(ctx, name, value)
    else:
        ctx.set_variable(name, value)
