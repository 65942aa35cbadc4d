"""Jump on the time of day.

Synopsis:
    Conditional Goto based on the current time.

Syntax:
    GotoIfTime(times,weekdays,mdays,months[,timezone]?[labeliftrue][:labeliffalse])

Description:
    The window before the ``?`` is written as for a timed ``include``
    (``9:00-17:00,mon-fri,*,*``, an optional IANA time zone last). When the current time
    is inside it the dialplan goes to *labeliftrue*, else to *labeliffalse*, each in
    Goto's syntax; a missing or empty branch continues at the next priority. A window
    that cannot be read is never open (with a warning).

    When the channel variable ``TESTTIME`` holds a number of seconds since 1970, that
    moment is checked instead of the current time (to test a dialplan); another value
    warns and the current time is used.
"""

from __future__ import annotations

import logging
from datetime import datetime

from dialplan_engine.args import scan_int
from dialplan_engine.state import CONTINUE, GOTO, HANGUP, AppResult, ExecState
from dialplan_engine.timespec import TimeSpec

logger = logging.getLogger(__name__)

NAME = "GotoIfTime"


async def execute(state: ExecState, args: str) -> AppResult:
    if not args:
        logger.warning(
            "GotoIfTime requires an argument:\n  <time range>,<days of week>,<days of month>,"
            "<months>[,<timezone>]?'labeliftrue':'labeliffalse'"
        )
        return HANGUP
    window, _, branches = args.partition("?")
    if_true, _, if_false = branches.partition(":")
    branch = if_true if _is_open(window, _moment(state)) else if_false
    if not branch:
        return CONTINUE
    return GOTO if state.goto(branch) else HANGUP


def _moment(state: ExecState) -> datetime:
    test_time = state.get_variable("TESTTIME")
    if test_time is not None:
        seconds = scan_int(test_time)
        if seconds is not None:
            return datetime.fromtimestamp(seconds).astimezone()
        logger.warning("Using current time to evaluate")
    return datetime.now().astimezone()


def _is_open(window: str, moment: datetime) -> bool:
    try:
        return TimeSpec.parse(window).contains(moment)
    except ValueError as exc:
        logger.warning("GotoIfTime: %s", exc)
        return False
