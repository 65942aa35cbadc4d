"""Play sound files while waiting for the caller to dial an extension.

Synopsis:
    Play an audio file while waiting for digits of an extension to go to.

Syntax:
    Background(filename1[&filename2[&...]][,options[,langoverride[,context]]])

Description:
    Plays the files in turn and stops at the first DTMF digit. The channel is answered
    first unless an option says otherwise. Options:

    ``s``  do nothing when the channel is not answered yet;
    ``n``  play without answering;
    ``m``  only stop for a digit that can start an extension of *context*;
    ``p``  play uninterruptibly (no digit stops it).

    When the digit alone is a complete extension of *context* (default: the current one)
    that no longer extension could extend, the dialplan goes straight to its priority 1.
    Otherwise the digit starts digit collection in the current context: more digits are
    awaited, ``TIMEOUT(digit)`` each, while a longer extension could still match.

    Without a digit the dialplan continues at once at the next priority (follow it with
    WaitExten to give the caller time). A missing file ends the list, sets
    ``BACKGROUNDSTATUS`` to ``FAILED`` (else ``SUCCESS``) and continues. *langoverride*
    is accepted; the channel's language picks the prompts.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import OptionError, OptionSpec, parse_options, split_args
from dialplan_engine.state import CONTINUE, GOTO, HANGUP, AppResult, ExecState, digit_result

logger = logging.getLogger(__name__)

NAME = "Background"
STATUS = "BACKGROUNDSTATUS"
OPTIONS = OptionSpec(flags="snmp", with_args="")
_ANY_DIGIT = "0123456789*#ABCD"


async def execute(state: ExecState, args: str) -> AppResult:
    parts = split_args(args, limit=4)
    files = [name for name in (parts[0] if parts else "").split("&") if name]
    if not files:
        logger.warning("Background requires an argument (filename)")
        return HANGUP
    try:
        options = parse_options(parts[1] if len(parts) > 1 else "", OPTIONS)
    except OptionError as exc:
        logger.warning("Background: %s", exc)
        return HANGUP
    if len(parts) > 2 and parts[2]:
        logger.debug("Background: language override %r ignored", parts[2])
    context = parts[3] if len(parts) > 3 and parts[3] else state.context
    state.require_live_channel()
    channel = state.channel
    if not channel.is_up:
        if "s" in options:
            state.set_variable(STATUS, "SUCCESS")
            return CONTINUE
        if "n" not in options:
            await channel.answer()
    if "p" in options:
        interrupt = ""
    elif "m" in options:
        interrupt = "".join(
            d for d in _ANY_DIGIT if state.dialplan.can_match(context, d, caller_id=state.caller_id)
        )
    else:
        interrupt = _ANY_DIGIT
    for file in files:
        result = await channel.play([file], interrupt_digits=interrupt)
        if result.digit is not None:
            state.set_variable(STATUS, "SUCCESS")
            return _on_digit(state, context, result.digit)
        if not result.completed:
            logger.warning("Background: cannot play %s on %s", file, channel.name)
            state.set_variable(STATUS, "FAILED")
            return CONTINUE
    state.set_variable(STATUS, "SUCCESS")
    return CONTINUE


def _on_digit(state: ExecState, context: str, digit: str) -> AppResult:
    complete = state.exists(digit, context=context)
    if complete and not state.dialplan.match_more(context, digit, caller_id=state.caller_id):
        state.jump(context, digit, 1)
        return GOTO
    return digit_result(digit)
