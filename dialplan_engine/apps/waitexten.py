"""Wait for the caller to dial an extension.

Synopsis:
    Waits for an extension to be entered.

Syntax:
    WaitExten([seconds][,options])

Description:
    Waits up to *seconds* (fractions allowed; default ``TIMEOUT(response)``, 10 s) for the
    first digit, which starts digit collection: more digits are awaited, ``TIMEOUT(digit)``
    each, while a longer extension could still match, then the dialplan goes to that
    extension (``i`` when there is none). Without a digit it continues at the next priority
    when there is one, else at ``t``, else ``e`` (RESPONSETIMEOUT), else it hangs up.

    Options:

    ``m(class)``  music on hold of *class* while waiting; ``m`` without a class is warned
                  about and the caller hears silence (as in Asterisk);
    ``d``         dial tone while waiting (Asterisk ignores an argument, ``d(x)``; so does
                  this). When ``m`` is given, ``d`` is not used.
"""

from __future__ import annotations

import logging

from dialplan_engine.apps._support import parse_seconds
from dialplan_engine.args import OptionError, OptionSpec, parse_options, split_args
from dialplan_engine.state import (
    CONTINUE,
    HANGUP,
    RESPONSE_TIMEOUT,
    AppResult,
    ExecState,
    digit_result,
)

logger = logging.getLogger(__name__)

NAME = "WaitExten"
OPTIONS = OptionSpec(flags="", with_args="md")
_DIAL_TONE = "dial"


async def execute(state: ExecState, args: str) -> AppResult:
    parts = split_args(args, limit=2)
    seconds = parse_seconds(parts[0], app=NAME) if parts else None
    try:
        options = parse_options(parts[1] if len(parts) > 1 else "", OPTIONS)
    except OptionError as exc:
        logger.warning("WaitExten: %s", exc)
        return HANGUP
    state.require_live_channel()
    channel = state.channel
    timeout = state.response_timeout_s if seconds is None else seconds
    music_class = options.arg("m")
    if "m" in options and not music_class:
        logger.warning("The 'm' option has been specified for WaitExten without a class.")
        digit = await channel.wait_for_digit(timeout)
    elif music_class:
        await channel.start_music_on_hold(music_class)
        try:
            digit = await channel.wait_for_digit(timeout)
        finally:
            await channel.stop_music_on_hold()
    elif "d" in options:
        await channel.start_tone(_DIAL_TONE)
        try:
            digit = await channel.wait_for_digit(timeout)
        finally:
            await channel.stop_tone()
    else:
        digit = await channel.wait_for_digit(timeout)
    if digit is not None:
        return digit_result(digit)
    if state.exists(state.exten, state.priority + 1):
        return CONTINUE
    return RESPONSE_TIMEOUT
