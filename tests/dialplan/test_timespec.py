"""Time windows of timed includes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialplan_engine.timespec import TimeSpec


def _at(day: int, hour: int = 10, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2024, month, day, hour, minute)


@pytest.mark.parametrize(
    ("spec", "moment", "expected"),
    [
        ("9:00-17:00,mon-fri,*,*", _at(1, 10), True),
        ("9:00-17:00,mon-fri,*,*", _at(1, 8, 59), False),
        ("9:00-17:00,mon-fri,*,*", _at(1, 9, 0), True),
        ("9:00-17:00,mon-fri,*,*", _at(1, 17, 0), True),  # the end minute is included
        ("9:00-17:00,mon-fri,*,*", _at(1, 17, 1), False),
        ("9:00-17:00,mon-fri,*,*", _at(6, 10), False),  # Saturday
        ("9:00-17:00,mon-fri,*,*", _at(7, 10), False),  # Sunday
        ("22:00-06:00,*,*,*", _at(1, 23, 30), True),  # wraps past midnight
        ("22:00-06:00,*,*,*", _at(1, 3), True),
        ("22:00-06:00,*,*,*", _at(1, 6, 1), False),
        ("22:00-06:00,*,*,*", _at(1, 12), False),
        ("*,fri-mon,*,*", _at(5), True),  # Friday
        ("*,fri-mon,*,*", _at(6), True),
        ("*,fri-mon,*,*", _at(7), True),
        ("*,fri-mon,*,*", _at(1), True),  # Monday
        ("*,fri-mon,*,*", _at(2), False),  # Tuesday
        ("*,fri-mon,*,*", _at(4), False),  # Thursday
        ("*,sat&sun,*,*", _at(6), True),
        ("*,sat&sun,*,*", _at(3), False),
        ("*,MON,*,*", _at(1), True),  # names in any case
        ("*,1,*,*", _at(7), True),  # weekday 1 is Sunday, as Asterisk counts
        ("*,2-6,*,*", _at(1), True),  # Monday to Friday
        ("*,2-6,*,*", _at(7), False),
        ("*,*,1-7,*", _at(7), True),
        ("*,*,1-7,*", _at(8), False),
        ("*,*,25-5,*", _at(3), True),  # day-of-month ranges wrap too
        ("*,*,25-5,*", _at(28), True),
        ("*,*,25-5,*", _at(10), False),
        ("*,*,1&15,*", _at(15), True),
        ("*,*,*,jan-mar", _at(1, month=3), True),
        ("*,*,*,jan-mar", _at(1, month=4), False),
        ("*,*,*,nov-feb", _at(1, month=12), True),
        ("*,*,*,nov-feb", _at(1, month=1), True),
        ("*,*,*,nov-feb", _at(1, month=3), False),
        ("*,*,*,12", _at(1, month=12), True),
        ("*,*,*,*", _at(1), True),
        ("*", _at(1), True),  # trailing fields may be left out
        ("9:00-17:00", _at(1, 20), False),
        ("9:00-17:00|mon-fri|*|*", _at(1, 10), True),  # the old '|' separator
        ("  9:00 - 17:00 , mon - fri , * , *  ", _at(1, 10), True),
        (",mon,,", _at(1), True),  # empty fields mean any
    ],
)
def test_contains(spec: str, moment: datetime, expected: bool) -> None:
    assert TimeSpec.parse(spec).contains(moment) is expected


def test_time_zone_converts_the_moment() -> None:
    spec = TimeSpec.parse("9:00-17:00,mon-fri,*,*,Europe/Moscow")
    # 07:00 UTC is 10:00 in Moscow (UTC+3 all year).
    assert spec.contains(datetime(2024, 1, 1, 7, 0, tzinfo=UTC))
    assert not spec.contains(datetime(2024, 1, 1, 15, 0, tzinfo=UTC))
    # Sunday 22:00 UTC is already Monday 01:00 in Moscow: weekday follows the zone.
    late = TimeSpec.parse("*,mon,*,*,Europe/Moscow")
    assert late.contains(datetime(2024, 1, 7, 22, 0, tzinfo=UTC))


def test_without_zone_the_moment_keeps_its_own_clock() -> None:
    spec = TimeSpec.parse("9:00-17:00,*,*,*")
    assert spec.contains(datetime(2024, 1, 1, 10, 0, tzinfo=UTC))


def test_equality_is_by_meaning_and_str_is_the_text() -> None:
    one = TimeSpec.parse("9:00-17:00,mon-fri,*,*")
    assert one == TimeSpec.parse("09:00-17:00,mon&tue&wed&thu&fri")
    assert one != TimeSpec.parse("9:00-17:00,mon-sat,*,*")
    assert str(one) == "9:00-17:00,mon-fri,*,*"
    assert one.weekdays == frozenset({0, 1, 2, 3, 4})
    assert one.minutes == (9 * 60, 17 * 60)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("25:00-26:00", "bad time range '25:00-26:00' (hours 0-23, minutes 0-59)"),
        ("9:60-10:00", "bad time range '9:60-10:00' (hours 0-23, minutes 0-59)"),
        ("9-17", "bad time range '9-17' (expected HH:MM-HH:MM)"),
        ("9:00", "bad time range '9:00' (expected HH:MM-HH:MM)"),
        ("*,monday,*,*", "bad weekday 'monday'"),
        ("*,8,*,*", "bad weekday '8'"),
        ("*,*,32,*", "bad day of month '32'"),
        ("*,*,0,*", "bad day of month '0'"),
        ("*,*,*,foo", "bad month 'foo'"),
        ("*,*,*,13", "bad month '13'"),
        ("*,*,*,*,Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("*,*,*,*,UTC,x", "too many fields in time spec '*,*,*,*,UTC,x'"),
    ],
)
def test_malformed(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        TimeSpec.parse(spec)
    assert str(caught.value) == message
