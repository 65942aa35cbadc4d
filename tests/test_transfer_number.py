"""Collecting a blind-transfer number against the dialplan."""

from __future__ import annotations

from dialplan_engine.parser import parse_extensions_conf
from softswitch.calls.transfer import Progress, TransferNumber

PLAN = parse_extensions_conf("""\
[internal]
exten => 101,1,NoOp()
exten => 1011,1,NoOp()
exten => _2XX,1,NoOp()
exten => 5,1,NoOp()
""")


def number() -> TransferNumber:
    return TransferNumber(dialplan=PLAN, context="internal")


def test_a_pattern_completes_at_its_length() -> None:
    collect = number()
    assert [collect.feed(d) for d in "203"] == [Progress.MORE, Progress.MORE,
                                                 Progress.COMPLETE]
    assert collect.digits == "203"


def test_a_shorter_extension_waits_for_the_timeout_when_a_longer_one_exists() -> None:
    collect = number()
    assert [collect.feed(d) for d in "101"] == [Progress.MORE] * 3
    assert collect.timed_out() is Progress.COMPLETE
    assert collect.feed("1") is Progress.COMPLETE
    assert collect.digits == "1011"


def test_digits_no_extension_starts_with_are_invalid() -> None:
    assert number().feed("9") is Progress.INVALID
    collect = number()
    collect.feed("1")
    assert collect.timed_out() is Progress.INVALID
    assert number().timed_out() is Progress.INVALID


def test_a_single_digit_extension_completes_at_once() -> None:
    assert number().feed("5") is Progress.COMPLETE
