"""The time window of a timed ``include`` (and of ``GotoIfTime``-style checks).

``times,weekdays,monthdays,months[,timezone]`` -- the fields may also be separated by ``|``
(the pre-1.6 Asterisk syntax) and any trailing ones may be left out::

    9:00-17:00,mon-fri,*,*              office hours on weekdays
    22:00-06:00,*,*,*                   a time range may wrap past midnight
    *,fri-mon,*,*                       so may any other range: Friday to Monday
    *,sat&sun,1-7,jan-mar&dec,Europe/Moscow

``*`` (or an empty field) means "any". A time range includes its end minute (``9:00-17:00``
is open until 17:00:59), as in Asterisk. Weekdays and months are three-letter English names
in any case, or numbers (weekday 1 is Sunday, as Asterisk counts). Each field is checked on
its own: a window ``22:00-06:00,fri`` is open late on Friday and early on Friday, not early
on Saturday. With a time zone, the moment is first converted to it; without, its own wall
clock is used (a naive ``datetime`` is taken as given).

Where Asterisk logs a warning and ignores a bad element, :meth:`TimeSpec.parse` raises
``ValueError``: a window that silently became "always open" would route calls wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_TIME_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # Asterisk's order
_MONTH_NAMES = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeSpec:
    """A parsed time window; two windows are equal when they are open at the same moments."""

    text: str = field(compare=False)
    """The window as written (without surrounding blanks), for writing it back out."""
    minutes: tuple[int, int] | None
    """First and last open minute of the day (0-1439; first > last wraps midnight); None: any."""
    weekdays: frozenset[int]
    """Open weekdays, Monday = 0 as in :meth:`datetime.weekday`."""
    days: frozenset[int]
    """Open days of the month, 1-31."""
    months: frozenset[int]
    """Open months, 1-12."""
    tz: str | None
    """IANA time zone the window is written in, or None for the moment's own clock."""

    @classmethod
    def parse(cls, text: str) -> TimeSpec:
        """Parse ``times,weekdays,monthdays,months[,tz]``; raise ``ValueError`` if malformed."""
        fields = [part.strip() for part in re.split(r"[,|]", text.strip())]
        if len(fields) > 5:
            raise ValueError(f"too many fields in time spec {text.strip()!r}")
        fields += [""] * (5 - len(fields))
        times, weekdays, days, months, tz = fields
        if tz:
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {tz!r}") from None
        return cls(
            text=text.strip(),
            minutes=_parse_times(times),
            weekdays=frozenset(
                (index - 1) % 7  # Asterisk's weekday 0 is Sunday, Python's is Monday
                for index in _parse_ranges(weekdays, 7, _WEEKDAY_NAMES, "weekday")
            ),
            days=frozenset(day + 1 for day in _parse_ranges(days, 31, (), "day of month")),
            months=frozenset(
                month + 1 for month in _parse_ranges(months, 12, _MONTH_NAMES, "month")
            ),
            tz=tz or None,
        )

    def contains(self, moment: datetime) -> bool:
        """The window is open at *moment*."""
        if self.tz is not None:
            moment = moment.astimezone(ZoneInfo(self.tz))
        if moment.month not in self.months or moment.day not in self.days:
            return False
        if moment.weekday() not in self.weekdays:
            return False
        if self.minutes is None:
            return True
        first, last = self.minutes
        minute = moment.hour * 60 + moment.minute
        if first <= last:
            return first <= minute <= last
        return minute >= first or minute <= last

    def __str__(self) -> str:
        return self.text


def _parse_times(text: str) -> tuple[int, int] | None:
    if text in ("", "*"):
        return None
    found = _TIME_RANGE.fullmatch(text)
    if found is None:
        raise ValueError(f"bad time range {text!r} (expected HH:MM-HH:MM)")
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in found.groups())
    if start_hour > 23 or end_hour > 23 or start_minute > 59 or end_minute > 59:
        raise ValueError(f"bad time range {text!r} (hours 0-23, minutes 0-59)")
    return (start_hour * 60 + start_minute, end_hour * 60 + end_minute)


def _parse_ranges(text: str, size: int, names: tuple[str, ...], what: str) -> set[int]:
    """Offsets 0..size-1 named by ``a-b&c`` (ranges wrap around, as weekdays do)."""
    if text in ("", "*"):
        return set(range(size))
    chosen: set[int] = set()
    for part in text.split("&"):
        start_text, dash, end_text = part.partition("-")
        start = _offset(start_text.strip(), size, names, what)
        end = _offset(end_text.strip(), size, names, what) if dash else start
        chosen.add(end)
        while start != end:
            chosen.add(start)
            start = (start + 1) % size
    return chosen


def _offset(text: str, size: int, names: tuple[str, ...], what: str) -> int:
    if text.lower() in names:
        return names.index(text.lower())
    if text.isascii() and text.isdigit() and 1 <= int(text) <= size:
        return int(text) - 1
    raise ValueError(f"bad {what} {text!r}")
