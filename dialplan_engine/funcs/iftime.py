"""Synopsis: One of two values, depending on the time of day.

Syntax: IFTIME(timespec?[true-value][:false-value])

Description:
    *true-value* when the current time is inside *timespec*, else *false-value*; a
    missing value is empty. *timespec* is written as for a timed ``include`` or
    ``GotoIfTime``: ``${IFTIME(9:00-17:00,mon-fri,*,*?open:closed)}``. Surrounding blanks
    and one pair of double quotes are removed from the whole argument and from each
    value. Without a ``?``, or with a time window that cannot be read, the result is
    empty and a warning is logged.
"""

from __future__ import annotations

import logging
from datetime import datetime

from dialplan_engine.args import strip_quoted
from dialplan_engine.scope import FunctionContext
from dialplan_engine.timespec import TimeSpec

_log = logging.getLogger(__name__)

NAME = "IFTIME"


def read(ctx: FunctionContext, args: str) -> str:
    window, question, branches = strip_quoted(args).partition("?")
    if not window or not question:
        _log.warning("Syntax IFTIME(<timespec>?[<true>][:<false>])")
        return ""
    try:
        spec = TimeSpec.parse(window)
    except ValueError as exc:
        _log.warning("Invalid Time Spec: %s", exc)
        return ""
    if_true, _, if_false = branches.partition(":")
    return strip_quoted(if_true if spec.contains(datetime.now().astimezone()) else if_false)
