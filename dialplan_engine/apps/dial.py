"""Call one or more destinations and bridge the caller to the first that answers.

Synopsis:
    Attempt to connect to another device or endpoint and bridge the call.

Syntax:
    Dial(Tech/resource[&Tech2/resource2[&...]][,timeout[,options[,URL]]])

Description:
    Rings every destination at once (``PJSIP/101&PJSIP/102``; ``${DIALGROUP(g)}`` expands
    to such a list; ``SIP/`` is read as ``PJSIP/``; ``PJSIP/number@trunk`` calls *number*
    through endpoint *trunk*). The first to answer is bridged to the caller, the others are
    cancelled. *timeout* is in seconds (fractions allowed; empty: ring until someone answers
    or every leg fails) and may be ``answer^progress``, where the second figure fails the
    attempt as CHANUNAVAIL when no ringing or progress arrives in time.

    Options:

    ``t`` / ``T``   the callee / the caller may transfer with the feature DTMF codes;
    ``r[(tone)]``   play ringback to the caller ourselves;
    ``m[(class)]``  music on hold to the caller until answer;
    ``g``           go on in the dialplan when the callee ends the bridged call;
    ``L(x[:y[:z]])`` limit the bridged call to *x* ms (the warnings are not played);
    ``S(x)``        hang up *x* seconds after answer.

    ``A D b B o f s u h H k K w W x X C c e i d F G Q z R U`` and Asterisk's other letters
    are accepted and have no effect yet.

    Every Dial variable is cleared first. Afterwards ``DIALSTATUS`` is one of ANSWER,
    NOANSWER, BUSY, CONGESTION, CHANUNAVAIL, CANCEL or INVALIDARGS; ``DIALEDPEERNAME`` and
    ``DIALEDPEERNUMBER`` name the leg that answered; ``RINGTIME``/``PROGRESSTIME`` (and
    ``_MS``) measure from the outgoing call to its first ringing/progress;
    ``DIALEDTIME``/``ANSWEREDTIME`` (and ``_MS``) are set when a bridged call ends.

    Unanswered, the dialplan continues at the next priority; with no usable destination at
    all (an empty dial group) that is with CHANUNAVAIL. Answered, the caller is hung up once
    the bridged call ends, unless ``g`` was given and the callee hung up first. A caller who
    hangs up while the destinations ring ends the dialplan with CANCEL.
"""

from __future__ import annotations

import logging

from dialplan_engine.apps._support import parse_seconds
from dialplan_engine.args import (
    OptionError,
    OptionSpec,
    ParsedOptions,
    parse_options,
    scan_int,
    split_args,
)
from dialplan_engine.channel_api import (
    ChannelHungUp,
    DialOptions,
    DialResult,
    DialStatus,
    DialTarget,
)
from dialplan_engine.state import CONTINUE, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "Dial"
OPTIONS = OptionSpec(flags="aCcdEeghHiIjkKNpRtTwWxXz", with_args="ABbDfFGLmMnoOPQrSsUu")
_HANDLED = frozenset("tTrmgLS")
_VARIABLES = (
    "DIALSTATUS",
    "DIALEDPEERNUMBER",
    "DIALEDPEERNAME",
    "ANSWEREDTIME",
    "ANSWEREDTIME_MS",
    "DIALEDTIME",
    "DIALEDTIME_MS",
    "RINGTIME",
    "RINGTIME_MS",
    "PROGRESSTIME",
    "PROGRESSTIME_MS",
)
_TECHNOLOGY_ALIASES = {"SIP": "PJSIP", "PJSIP": "PJSIP"}


def parse_targets(text: str) -> list[DialTarget]:
    """``Tech/resource&Tech/resource``; malformed entries are warned about and skipped."""
    targets = []
    for written in text.split("&"):
        entry = written.strip()
        if not entry:
            continue
        technology, slash, resource = entry.partition("/")
        if not slash or not technology or not resource:
            logger.warning("Dial argument takes format (technology/resource), not '%s'", entry)
            continue
        technology = _TECHNOLOGY_ALIASES.get(technology.upper(), technology)
        targets.append(DialTarget(technology=technology, resource=resource))
    return targets


def _call_limit_ms(options: ParsedOptions) -> int | None:
    limits = []
    limit = options.arg("L")
    if limit:
        milliseconds = scan_int(limit.partition(":")[0])
        if milliseconds is not None and milliseconds > 0:
            limits.append(milliseconds)
    stop = options.arg("S")
    seconds = parse_seconds(stop, app=NAME) if stop else None
    if seconds is not None:
        limits.append(round(seconds * 1000))
    return min(limits) if limits else None


def _set_result(state: ExecState, result: DialResult) -> None:
    def timing(name: str, milliseconds: int | None) -> None:
        if milliseconds is not None:
            state.set_variable(name, str(milliseconds // 1000))
            state.set_variable(f"{name}_MS", str(milliseconds))

    if result.peer_name:
        state.set_variable("DIALEDPEERNAME", result.peer_name)
    if result.peer_number:
        state.set_variable("DIALEDPEERNUMBER", result.peer_number)
    timing("RINGTIME", result.ring_time_ms)
    timing("PROGRESSTIME", result.progress_time_ms)
    # DialResult carries whole seconds for these two, so the _MS values are rounded too.
    for name, seconds in (
        ("DIALEDTIME", result.dialed_time_s),
        ("ANSWEREDTIME", result.answered_time_s),
    ):
        timing(name, None if seconds is None else seconds * 1000)
    state.set_variable("DIALSTATUS", result.status.value)


async def execute(state: ExecState, args: str) -> AppResult:
    if not args.strip():
        logger.warning("Dial requires an argument (technology/resource)")
        return HANGUP
    state.require_live_channel()
    for name in _VARIABLES:
        state.set_variable(name, "")
    parts = split_args(args, limit=4)
    try:
        options = parse_options(parts[2] if len(parts) > 2 else "", OPTIONS)
    except OptionError as exc:
        logger.warning("Dial: %s", exc)
        state.set_variable("DIALSTATUS", DialStatus.INVALIDARGS.value)
        return HANGUP
    ignored = "".join(letter for letter in options.values if letter not in _HANDLED)
    if ignored:
        logger.debug("Dial: options %s accepted without effect", ignored)
    targets = parse_targets(parts[0] if parts else "")
    if not targets:
        logger.warning("Dial: no destination to call in '%s'", args)
        state.set_variable("DIALSTATUS", DialStatus.CHANUNAVAIL.value)
        return CONTINUE
    answer_timeout, caret, progress_timeout = (parts[1] if len(parts) > 1 else "").partition("^")
    dial_options = DialOptions(
        ringback="r" in options,
        music_on_hold=(options.arg("m") or "default") if "m" in options else None,
        continue_on_callee_hangup="g" in options,
        callee_transfer="t" in options,
        caller_transfer="T" in options,
        call_limit_ms=_call_limit_ms(options),
        progress_timeout_s=parse_seconds(progress_timeout, app=NAME) if caret else None,
        inherit=state.inherited(),
    )
    try:
        result = await state.channel.dial(
            targets, parse_seconds(answer_timeout, app=NAME), dial_options
        )
    except ChannelHungUp:
        state.set_variable("DIALSTATUS", DialStatus.CANCEL.value)
        raise
    _set_result(state, result)
    if result.status is DialStatus.CANCEL:
        return HANGUP
    if result.status is not DialStatus.ANSWER:
        return CONTINUE
    if "g" in options and result.callee_hung_up and not state.channel.hung_up:
        return CONTINUE
    return HANGUP
