"""Synopsis: The digit, response and absolute timeouts of the channel.

Syntax: TIMEOUT(timeouttype)

Description:
    *timeouttype* is ``digit`` (how long to wait between digits of a dialed extension,
    default 5 seconds), ``response`` (how long to wait for a first digit, default 10) or
    ``absolute`` (hang up — or jump to the ``T`` extension — after that long; 0 = never,
    the default). Only the first letter counts, in either case.

    Reading gives the value in seconds with three decimals (``5.000``).
    ``Set(TIMEOUT(digit)=3.5)`` changes it; a value that is not a number, or negative,
    means 0. Setting the absolute timeout again restarts it; setting 0 cancels it.
    Reading the absolute timeout gives the value that was set, not the time left.

    The values live in the channel variables ``TIMEOUT_DIGIT``, ``TIMEOUT_RESPONSE`` and
    ``TIMEOUT_ABSOLUTE``, which the dialplan interpreter uses.
"""

from __future__ import annotations

import logging
import re

from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "TIMEOUT"

VARIABLES = {"d": "TIMEOUT_DIGIT", "r": "TIMEOUT_RESPONSE", "a": "TIMEOUT_ABSOLUTE"}
DEFAULTS = {"d": 5.0, "r": 10.0, "a": 0.0}
_SECONDS = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)((?:\.[0-9]*)?)")


def read(ctx: FunctionContext, args: str) -> str:
    kind = args[:1].lower()
    if kind not in VARIABLES:
        _log.error("Unknown timeout type specified: %r", args)
        return ""
    stored = ctx.get_variable(VARIABLES[kind])
    if stored:
        return stored
    return "0" if kind == "a" else f"{DEFAULTS[kind]:.3f}"


def write(ctx: FunctionContext, args: str, value: str) -> None:
    kind = args[:1].lower()
    if kind not in VARIABLES:
        _log.error("Unknown timeout type specified: %r", args)
        return
    milliseconds = _milliseconds(value)
    text = "0" if kind == "a" and milliseconds == 0 else f"{milliseconds / 1000:.3f}"
    ctx.set_variable(VARIABLES[kind], text)


def _milliseconds(value: str) -> int:
    """Asterisk reads ``sscanf("%ld%lf")``: whole seconds, then an optional fraction."""
    match = _SECONDS.match(value)
    if match is None or int(match.group(1)) < 0:
        return 0
    whole = int(match.group(1))
    fraction = float("0" + match.group(2)) if match.group(2) not in ("", ".") else 0.0
    return whole * 1000 + int(fraction * 1_000_000) // 1000
