"""Play sound files to the caller.

Synopsis:
    Play a file.

Syntax:
    Playback(filename[&filename2[&...]][,options])

Description:
    Plays each file in turn (names relative to the sounds folder, without extension, or
    absolute paths); DTMF does not interrupt it. The channel is answered first unless an
    option says otherwise. Options are matched as words anywhere in the second argument:

    ``skip``      do nothing (SUCCESS) when the channel is not answered yet;
    ``noanswer``  play without answering (early media);
    ``say``/``mix`` (say.conf text rendering) are accepted and play the files as files.

    A missing file is skipped: the others still play and ``PLAYBACKSTATUS`` becomes
    ``FAILED`` (else ``SUCCESS``); the dialplan continues either way. Without a file name
    the application fails (hang up). On a hung-up channel (in ``h``) nothing is played,
    the status is ``FAILED`` and the dialplan continues, as Asterisk's Playback does there.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args
from dialplan_engine.channel_api import ChannelHungUp
from dialplan_engine.state import CONTINUE, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "Playback"
STATUS = "PLAYBACKSTATUS"


async def execute(state: ExecState, args: str) -> AppResult:
    parts = split_args(args)
    files = [name for name in (parts[0] if parts else "").split("&") if name]
    options = parts[1].lower() if len(parts) > 1 else ""
    if not files:
        logger.warning("Playback requires an argument (filename)")
        return HANGUP
    channel = state.channel
    if channel.hung_up:
        state.set_variable(STATUS, "FAILED")
        return CONTINUE
    if not channel.is_up:
        if "skip" in options:
            state.set_variable(STATUS, "SUCCESS")
            return CONTINUE
        if "noanswer" not in options:
            await channel.answer()
    if "say" in options or "mix" in options:
        logger.debug("Playback: say/mix rendering is not supported, playing %s as files", files)
    try:
        result = await channel.play(files)
    except ChannelHungUp:
        state.set_variable(STATUS, "FAILED")
        raise
    if not result.completed:
        logger.warning("Playback failed on %s for %s", channel.name, args)
    state.set_variable(STATUS, "SUCCESS" if result.completed else "FAILED")
    return CONTINUE
