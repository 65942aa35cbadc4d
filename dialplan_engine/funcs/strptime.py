"""Synopsis: The epoch of a date and time written in a given format.

Syntax: STRPTIME(datetime,timezone,format)

Description:
    Reads *datetime* with the C ``strptime`` *format* (``%Y-%m-%d %H:%M:%S``...) as a time
    in *timezone* (an IANA name such as ``Europe/Paris``; the system's zone when empty or
    unknown) and gives the seconds since 1970: ``${STRPTIME(2024-03-01 12:00:00,UTC,
    %Y-%m-%d %H:%M:%S)}`` is ``1709294400``. Fields the format leaves out are taken from
    1 January 1900, midnight. The whole of *datetime* must match the format; when it does
    not, the result is empty and a warning is logged. The format is the rest of the
    argument, commas included; without one the result is empty and an error is logged.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime

from dialplan_engine.args import split_args
from dialplan_engine.funcs.strftime import named_zone
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "STRPTIME"


def read(ctx: FunctionContext, args: str) -> str:
    parts = [*split_args(args, limit=3), "", "", ""][:3]
    text, zone_name, template = parts
    if not template:
        _log.error("No format supplied to STRPTIME(<timestring>,<timezone>,<format>)")
        return ""
    try:
        moment = datetime.strptime(text, template)
    except ValueError:
        _log.warning("STRPTIME() found no time specified within the string")
        return ""
    zone = named_zone(zone_name)
    try:
        # A naive moment is the system's local time, as mktime() reads it.
        seconds = (moment.replace(tzinfo=zone) if zone else moment).timestamp()
    except (OverflowError, OSError, ValueError) as error:
        _log.warning("%s cannot convert %r: %s", NAME, args, error)
        return ""
    return str(math.floor(seconds))
