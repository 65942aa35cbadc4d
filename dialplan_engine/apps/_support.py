"""Small pieces several applications share: reading durations, tone-then-wait."""

from __future__ import annotations

import logging
import math

from dialplan_engine.channel_api import Indication
from dialplan_engine.state import HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)


def parse_seconds(text: str, *, app: str) -> float | None:
    """A positive number of seconds (fractions allowed); None when empty, zero or invalid
    (invalid also warns), which every caller reads as "no limit"."""
    text = text.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        logger.warning("%s: '%s' is not a number of seconds", app, text)
        return None
    return seconds if seconds > 0 and math.isfinite(seconds) else None


async def indicate_then_wait(
    state: ExecState, indication: Indication, cause: int, args: str, *, app: str
) -> AppResult:
    """Busy/Congestion: play the tone for *args* seconds (forever when empty), then hang
    up with *cause* if the call was never answered, as the failure reason for the caller."""
    state.require_live_channel()
    channel = state.channel
    was_up = channel.is_up
    await channel.indicate(indication)
    timeout = parse_seconds(args, app=app)
    await channel.wait(math.inf if timeout is None else timeout)
    await channel.hangup(None if was_up else cause)
    return HANGUP
