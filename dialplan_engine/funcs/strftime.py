"""Synopsis: A date and time, formatted.

Syntax: STRFTIME([epoch][,timezone[,format]])

Description:
    The time *epoch* (seconds since 1970, fractions allowed; now when empty or not a
    number) in *timezone* (an IANA name such as ``Europe/Paris``; the system's zone when
    empty or unknown) formatted with the C ``strftime`` *format* (default ``%c``). Besides
    the usual conversions, ``%q`` gives milliseconds and ``%1q`` to ``%6q`` that many
    digits of the fraction of a second. The format is the rest of the argument, so it may
    contain commas: ``${STRFTIME(${EPOCH},,%d/%m/%Y, %H:%M)}``.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dialplan_engine.args import split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "STRFTIME"

_EPOCH = re.compile(r"[ \t\n\v\f\r]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_FRACTION = re.compile(r"%(%|[1-6]?q)")


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=3)
    epoch_text = parts[0] if parts else ""
    zone_name = parts[1] if len(parts) > 1 else ""
    template = parts[2] if len(parts) > 2 else "%c"
    epoch = _epoch(epoch_text)
    zone = named_zone(zone_name)
    try:
        # Without a zone, astimezone() picks the system offset in force at that moment.
        moment = (
            datetime.fromtimestamp(epoch, zone)
            if zone
            else datetime.fromtimestamp(epoch).astimezone()
        )
        return moment.strftime(_expand_fractions(template, moment.microsecond))
    except (OverflowError, OSError, ValueError) as error:
        _log.warning("%s cannot format %r: %s", NAME, args, error)
        return ""


def _epoch(text: str) -> float:
    """``ast_get_timeval``: a leading number of seconds, else now."""
    match = _EPOCH.match(text)
    return float(match.group()) if match else time.time()


def named_zone(name: str) -> ZoneInfo | None:
    """The named zone; None for the system's own."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        _log.warning("Unknown timezone %r, using the system's", name)
        return None


def _expand_fractions(template: str, microsecond: int) -> str:
    def replace(match: re.Match[str]) -> str:
        spec = match.group(1)
        if spec == "%":
            return "%%"
        digits = int(spec[0]) if len(spec) == 2 else 3
        return str(microsecond // 10 ** (6 - digits)).zfill(digits)

    return _FRACTION.sub(replace, template)
