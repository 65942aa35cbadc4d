"""Synopsis: Add one to a variable and give the new value.

Syntax: INC(varname)

Description:
    Adds 1 to the integer in the variable *varname* (a name, not ``${...}``), stores it
    and gives it: with ``N=4``, ``${INC(N)}`` is ``5`` and so is ``N`` afterwards. A
    variable that is unset, empty or not a whole integer (``4.5``, ``4x``) is left alone
    and gives an empty result, with a notice. ``DEC`` subtracts 1.
"""

from __future__ import annotations

import logging
import re

from dialplan_engine.args import scan_int
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "INC"

_WHOLE_INTEGER = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")


def read(ctx: FunctionContext, args: str) -> str:
    return step(ctx, args, function=NAME, by=1)


def step(ctx: FunctionContext, varname: str, *, function: str, by: int) -> str:
    """What INC and DEC do: change the variable by *by* and give its new value."""
    if not varname:
        _log.warning("Syntax: %s(<data>) - missing argument!", function)
        return ""
    value = ctx.get_variable(varname)
    if value is None:
        _log.info("Failed to obtain variable %s, bailing out", varname)
        return ""
    if not value:
        _log.info("Variable %s doesn't exist - are you sure you wrote it correctly?", varname)
        return ""
    if _WHOLE_INTEGER.fullmatch(value) is None:
        _log.info("The content of ${%s} is not a numeric value - bailing out!", varname)
        return ""
    # sscanf("%d") keeps a 32-bit int; the addition wraps like it.
    result = ((scan_int(value) or 0) + by + 2**31) % 2**32 - 2**31
    ctx.set_variable(varname, str(result))
    return str(result)
