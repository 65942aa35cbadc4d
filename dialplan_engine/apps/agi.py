"""Run an AGI script or a FastAGI server against the channel.

Synopsis:
    Executes an AGI compliant application.

Syntax:
    AGI(command[,arg1[,arg2[,...]]])

Description:
    Runs *command* (a script path, relative to the AGI folder, or ``agi://host[:port]/...``
    for FastAGI) with the remaining arguments, split by the standard rules (quotes and
    backslashes removed), and sets ``AGISTATUS`` to ``SUCCESS``, ``FAILURE``, ``NOTFOUND``
    or ``HANGUP``. ``HANGUP`` stops the dialplan. It also runs on a hung-up channel, so the
    ``h`` extension can hand a finished recording to a script (dead AGI).
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args
from dialplan_engine.channel_api import ChannelHungUp
from dialplan_engine.state import CONTINUE, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "AGI"
STATUS = "AGISTATUS"


async def execute(state: ExecState, args: str) -> AppResult:
    parts = split_args(args)
    if not parts or not parts[0]:
        logger.warning("AGI requires an argument (script)")
        return HANGUP
    try:
        status = await state.channel.run_agi(parts[0], parts[1:])
    except ChannelHungUp:
        state.set_variable(STATUS, "HANGUP")
        raise
    state.set_variable(STATUS, status)
    return HANGUP if status == "HANGUP" else CONTINUE
