"""Stop a recording started by MixMonitor.

Synopsis:
    Stop recording a call through MixMonitor, and free the recording's file handle.

Syntax:
    StopMixMonitor([MixMonitorID])

Description:
    Stops the recorder whose ID MixMonitor stored with ``i(VAR)`` (pass ``${VAR}``), or,
    without an ID, the most recently started one on this channel; call it again to stop
    the next. Stopping closes the files and then runs the recorder's post-command. Having
    nothing to stop is not an error.
"""

from __future__ import annotations

import logging

from dialplan_engine.state import CONTINUE, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "StopMixMonitor"


async def execute(state: ExecState, args: str) -> AppResult:
    recorder_id = args.strip() or None
    if not await state.channel.stop_mixmonitor(recorder_id):
        logger.debug("StopMixMonitor: no recorder %s on %s", recorder_id or "", state.channel.name)
    return CONTINUE
