"""Playback, Background and WaitExten."""

from __future__ import annotations

import pytest

from tests.dialplan.fake_channel import Switch

_ANY = "0123456789*#ABCD"


async def test_playback_answers_and_plays_every_file_uninterruptibly() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Playback(hello&world)\n same => n,NoOp\n")
    channel = switch.channel()
    channel.presses["hello"] = "5"
    await switch.call("c", channel=channel)
    assert channel.calls[:2] == [("answer",), ("play", ("hello", "world"), "")]
    assert channel.var("PLAYBACKSTATUS") == "SUCCESS"


async def test_playback_with_a_missing_middle_file_plays_the_others_and_fails() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Playback(one&missing&three)\n same => n,Set(AFTER=1)\n"
    )
    channel = switch.channel()
    channel.missing_files.add("missing")
    await switch.call("c", channel=channel)
    assert ("play", ("one", "missing", "three"), "") in channel.calls
    assert channel.var("PLAYBACKSTATUS") == "FAILED"
    assert channel.var("AFTER") == "1"


@pytest.mark.parametrize(
    ("options", "methods", "status"),
    [
        ("noanswer", ["play"], "SUCCESS"),
        ("skip", [], "SUCCESS"),
        ("skip,noanswer", [], "SUCCESS"),
        ("NoAnswer", ["play"], "SUCCESS"),
    ],
)
async def test_playback_options_on_an_unanswered_channel(
    options: str, methods: list[str], status: str
) -> None:
    switch = Switch.from_conf(f'[c]\nexten => s,1,Playback(hello,"{options}")\n')
    channel = await switch.call("c")
    assert channel.methods()[:-1] == methods
    assert channel.var("PLAYBACKSTATUS") == status


async def test_playback_skip_on_an_answered_channel_plays() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Answer()\n same => n,Playback(hello,skip)\n")
    channel = await switch.call("c")
    assert channel.methods() == ["answer", "play", "hangup"]


async def test_playback_without_a_file_fails() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Playback()\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.var("AFTER") is None


_IVR = (
    "[ivr]\n"
    "exten => s,1,Background(welcome&menu{options})\n"
    " same => n,Set(NO_DIGIT=1)\n"
    "exten => 1,1,Set(CHOSE=1)\n"
    "exten => 2,1,Set(CHOSE=2)\n"
    "exten => 21,1,Set(CHOSE=21)\n"
    "exten => i,1,Set(CHOSE=invalid)\n"
)


def _ivr(options: str = "") -> Switch:
    return Switch.from_conf(_IVR.replace("{options}", options))


async def test_background_without_a_digit_continues_at_once() -> None:
    switch = _ivr()
    channel = await switch.call("ivr")
    assert channel.calls[:3] == [
        ("answer",),
        ("play", ("welcome",), _ANY),
        ("play", ("menu",), _ANY),
    ]
    assert channel.var("NO_DIGIT") == "1"
    assert channel.var("BACKGROUNDSTATUS") == "SUCCESS"


async def test_background_digit_that_is_a_whole_extension_jumps_at_once() -> None:
    switch = _ivr()
    channel = switch.channel()
    channel.presses["welcome"] = "1"
    await switch.call("ivr", channel=channel)
    assert channel.var("CHOSE") == "1"
    assert "wait_for_digit" not in channel.methods()
    assert ("play", ("menu",), _ANY) not in channel.calls


async def test_background_digit_that_starts_a_longer_extension_waits_the_digit_timeout() -> None:
    switch = _ivr()
    channel = switch.channel()
    channel.presses["menu"] = "2"
    channel.digits.append("1")
    await switch.call("ivr", channel=channel)
    assert channel.var("CHOSE") == "21"
    assert ("wait_for_digit", 5.0) in channel.calls


async def test_background_digit_alone_after_the_digit_timeout() -> None:
    switch = _ivr()
    channel = switch.channel()
    channel.presses["menu"] = "2"
    await switch.call("ivr", channel=channel)
    assert channel.var("CHOSE") == "2"


async def test_background_digit_of_no_extension_goes_to_i() -> None:
    switch = _ivr()
    channel = switch.channel()
    channel.presses["menu"] = "7"
    await switch.call("ivr", channel=channel)
    assert channel.var("CHOSE") == "invalid"


async def test_background_missing_file_stops_the_list_and_continues() -> None:
    switch = _ivr()
    channel = switch.channel()
    channel.missing_files.add("welcome")
    await switch.call("ivr", channel=channel)
    assert [c for c in channel.calls if c[0] == "play"] == [("play", ("welcome",), _ANY)]
    assert channel.var("BACKGROUNDSTATUS") == "FAILED"
    assert channel.var("NO_DIGIT") == "1"


@pytest.mark.parametrize(
    ("options", "first_calls"),
    [
        (",s", []),
        (",n", [("play", ("welcome",), _ANY)]),
        (",np", [("play", ("welcome",), "")]),
        (",nm", [("play", ("welcome",), "12")]),
    ],
)
async def test_background_options(options: str, first_calls: list[tuple[object, ...]]) -> None:
    switch = _ivr(options)
    channel = await switch.call("ivr")
    assert channel.calls[: len(first_calls)] == first_calls
    if options == ",s":
        assert channel.methods() == ["hangup"]
        assert channel.var("NO_DIGIT") == "1"


async def test_background_context_argument_jumps_into_that_context() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Background(menu,,,other)\n"
        "[other]\nexten => 4,1,Set(WHERE=${CONTEXT}/${EXTEN})\n"
    )
    channel = switch.channel()
    channel.presses["menu"] = "4"
    await switch.call("c", channel=channel)
    assert channel.var("WHERE") == "other/4"


async def test_waitexten_waits_the_response_timeout_then_continues_or_goes_to_t() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,WaitExten()\n same => n,WaitExten(2.5,m(jazz))\nexten => t,1,Set(T=1)\n"
    )
    channel = await switch.call("c")
    assert [c for c in channel.calls if c[0] == "wait_for_digit"] == [
        ("wait_for_digit", 10.0),
        ("wait_for_digit", 2.5),
    ]
    assert channel.var("T") == "1"


async def test_waitexten_digit_starts_collection() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,WaitExten(5)\n same => n,Set(NOT=1)\nexten => 42,1,Set(GOT=42)\n"
    )
    channel = switch.channel()
    channel.digits.extend(["4", "2"])
    await switch.call("c", channel=channel)
    assert (channel.var("GOT"), channel.var("NOT")) == ("42", None)
