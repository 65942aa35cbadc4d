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

    Options ``m[(class)]`` (music on hold while waiting) and ``d[(tone)]`` (dial tone) are
    accepted; the caller hears silence.
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


async def execute(state: ExecState, args: str) -> AppResult:
    parts = split_args(args, limit=2)
    seconds = parse_seconds(parts[0], app=NAME) if parts else None
    try:
        options = parse_options(parts[1] if len(parts) > 1 else "", OPTIONS)
    except OptionError as exc:
        logger.warning("WaitExten: %s", exc)
        return HANGUP
    if options.values:
        logger.debug("WaitExten: options %s ignored (no tone source)", "".join(options.values))
    state.require_live_channel()
    timeout = state.response_timeout_s if seconds is None else seconds
    digit = await state.channel.wait_for_digit(timeout)
    if digit is not None:
        return digit_result(digit)
    if state.exists(state.exten, state.priority + 1):
        return CONTINUE
    return RESPONSE_TIMEOUT
