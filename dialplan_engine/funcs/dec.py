"""Synopsis: Subtract one from a variable and give the new value.

Syntax: DEC(varname)

Description:
    Subtracts 1 from the integer in the variable *varname* (a name, not ``${...}``),
    stores it and gives it: with ``N=4``, ``${DEC(N)}`` is ``3`` and so is ``N``
    afterwards. A variable that is unset, empty or not a whole integer is left alone and
    gives an empty result, with a notice.
"""

from __future__ import annotations

from dialplan_engine.funcs import inc
from dialplan_engine.scope import FunctionContext

NAME = "DEC"


def read(ctx: FunctionContext, args: str) -> str:
    return inc.step(ctx, args, function=NAME, by=-1)
