"""Record the caller to a file.

Synopsis:
    Record to a file.

Syntax:
    Record(filename.format[,silence[,maxduration[,options]]])

Description:
    Records what the caller says (not a conversation: see MixMonitor) until the caller
    presses ``#``, stays silent for *silence* seconds, reaches *maxduration* seconds (0 or
    empty: no limit) or hangs up. The text after the last ``.`` of the file name (or after a
    ``:``) is the format (``wav``, ``gsm``...); a relative name is under the sounds folder;
    missing folders are created (by the switch, when it opens the file). ``%d`` in the
    name becomes 0, 1, 2... : the first number whose file does not exist yet. The channel
    is answered and a beep played first.

    Options, honoured only as the fourth argument:

    ``a`` append to an existing file      ``k`` keep the file when the caller hangs up
    ``n`` do not answer, record anyway     ``o`` ``0`` ends the recording with OPERATOR
    ``q`` quiet: no beep                   ``s`` skip when the channel is not answered
    ``t`` ``*`` is the terminator, not ``#`` ``u`` do not trim trailing silence
    ``x`` no terminator: record until hangup or a limit  ``y`` any digit terminates

    Sets ``RECORDED_FILE`` (the name used, without the format extension) and
    ``RECORD_STATUS``: DTMF, OPERATOR, SILENCE, TIMEOUT, HANGUP (the recording is deleted
    unless ``k``; the dialplan stops), SKIP, or ERROR (no format, the file cannot be
    written, the channel cannot be answered; the dialplan stops).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from dialplan_engine.args import (
    OptionError,
    OptionSpec,
    ParsedOptions,
    parse_options,
    scan_int,
    split_args,
)
from dialplan_engine.channel_api import (
    ApplicationError,
    ChannelHungUp,
    RecordRequest,
    RecordStatus,
)
from dialplan_engine.state import CONTINUE, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "Record"
STATUS = "RECORD_STATUS"
OPTIONS = OptionSpec(flags="aknoqstuxy", with_args="")
_ALL_DIGITS = "0123456789*#ABCD"
_CONTINUING = frozenset(
    {RecordStatus.DTMF, RecordStatus.OPERATOR, RecordStatus.SILENCE, RecordStatus.TIMEOUT}
)


def split_format(filename: str) -> tuple[str, str] | None:
    """(name, format) of ``name.format`` or ``name:format``, looking only at the last path
    component so that a dot in a folder name is not taken for the format."""
    folder, slash, leaf = filename.rpartition("/")
    stem, dot, ext = leaf.rpartition(".")
    if not dot:
        stem, dot, ext = leaf.partition(":")
    if not dot or not stem or not ext:
        return None
    return folder + slash + stem, ext


def _seconds(text: str, what: str) -> float | None:
    if not text:
        return None
    value = scan_int(text)
    if value is None or value < 0:
        logger.warning("Record: '%s' is not a valid %s", text, what)
        return None
    return float(value) if value else None


def _free_number(template: str, ext: str) -> str:
    """The first number that, put in for ``%d``, names a file that does not exist yet.
    Runs in a worker thread: each try is a look at the disk."""
    number = 0
    while Path(f"{template.replace('%d', str(number))}.{ext}").exists():
        number += 1
    return str(number)


def _terminators(options: ParsedOptions) -> str:
    if "y" in options:
        digits = _ALL_DIGITS
    elif "x" in options:
        digits = ""
    elif "t" in options:
        digits = "*"
    else:
        digits = "#"
    # With o, 0 means OPERATOR even when every digit terminates: take it out so the
    # switch never has to decide which rule wins.
    return digits.replace("0", "") if "o" in options else digits


async def execute(state: ExecState, args: str) -> AppResult:
    parts = split_args(args, limit=4)
    split = split_format(parts[0]) if parts else None
    if split is None:
        logger.warning("Record: no format extension in the file name '%s'", args)
        state.set_variable(STATUS, RecordStatus.ERROR.value)
        return HANGUP
    name, ext = split
    silence = _seconds(parts[1], "silence duration") if len(parts) > 1 else None
    max_duration = _seconds(parts[2], "maximum duration") if len(parts) > 2 else None
    try:
        # Asterisk reads options only from a fourth argument: "f.wav,,k" has none.
        options = parse_options(parts[3] if len(parts) > 3 else "", OPTIONS)
    except OptionError as exc:
        logger.warning("Record: %s", exc)
        state.set_variable(STATUS, RecordStatus.ERROR.value)
        return HANGUP
    state.require_live_channel()
    channel = state.channel
    if not channel.is_up:
        if "s" in options:
            state.set_variable(STATUS, RecordStatus.SKIP.value)
            return CONTINUE
        if "n" not in options:
            try:
                await channel.answer()
            except ApplicationError:
                state.set_variable(STATUS, RecordStatus.ERROR.value)
                raise
    template = str(channel.sounds_dir / name)
    if "%d" in name:
        number = await asyncio.to_thread(_free_number, template, ext)
        name, template = name.replace("%d", number), template.replace("%d", number)
    state.set_variable("RECORDED_FILE", name)
    request = RecordRequest(
        path=Path(f"{template}.{ext}"),
        silence_s=silence,
        max_duration_s=max_duration,
        terminators=_terminators(options),
        operator_digit="o" in options,
        beep="q" not in options,
        append="a" in options,
        keep_on_hangup="k" in options,
        trim_silence="u" not in options,
    )
    try:
        result = await channel.record(request)
    except ChannelHungUp:
        state.set_variable(STATUS, RecordStatus.HANGUP.value)
        raise
    except ApplicationError:
        state.set_variable(STATUS, RecordStatus.ERROR.value)
        raise
    state.set_variable(STATUS, result.status.value)
    return CONTINUE if result.status in _CONTINUING else HANGUP
