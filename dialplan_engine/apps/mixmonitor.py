"""Record both directions of the call in the background.

Synopsis:
    Record a call and mix the audio during the recording.

Syntax:
    MixMonitor(filename.extension[,options[,command]])

Description:
    Starts a recorder on the channel's audio, what the caller says and what the caller
    hears, and returns at once; it does not answer. A relative name is under the monitor
    folder; missing folders are created (by the switch, when it opens the files). The
    extension is the format (none: ``.raw``; ``.wav49`` is written as ``.WAV``).
    ``MIXMONITOR_FILENAME`` is set to the absolute path.
    Recording stops at StopMixMonitor or hangup; then the files are closed and *command*
    runs (``/bin/sh -c``), without ever holding up the call. In *command*, ``^{VAR}`` is
    read as ``${VAR}`` and substituted when the recording starts, so
    ``/usr/bin/post.sh ^{MIXMONITOR_FILENAME}`` gets the real path. Never put unfiltered
    caller data into the command.

    Options:

    ``a``      append to the files instead of overwriting them
    ``b``      record only while the channel is bridged
    ``r(file)`` also write what the caller says to its own file
    ``t(file)`` also write what the caller hears to its own file
               (either lets the main file name be empty)
    ``v(x)``   heard volume, x in -4..4 (factor 2^x)
    ``V(x)``   spoken volume, x in -4..4
    ``W(x)``   both volumes
    ``D``      do not mix: one 2-channel file, left received, right transmitted
    ``i(VAR)`` store the recorder's ID in VAR, for StopMixMonitor

    ``B(sec) c d m(box) n p P S s(sec)`` are accepted and have no effect yet.
"""

from __future__ import annotations

import logging
from pathlib import Path

from dialplan_engine.args import OptionError, OptionSpec, parse_options, scan_int, split_args
from dialplan_engine.channel_api import MixMonitorRequest
from dialplan_engine.state import CONTINUE, HANGUP, AppResult, ExecState
from dialplan_engine.substitution import substitute

logger = logging.getLogger(__name__)

NAME = "MixMonitor"
OPTIONS = OptionSpec(flags="abcdDnpPS", with_args="BimrstvVW")
_HANDLED = frozenset("abDirtvVW")


def _file(name: str, folder: Path) -> Path:
    path = Path(name)
    if not path.is_absolute():
        path = folder / path
    if not path.suffix:
        return path.with_name(path.name + ".raw")
    if path.suffix.lower() == ".wav49":
        return path.with_suffix(".WAV")
    return path


def _volume(text: str | None, letter: str) -> int | None:
    value = scan_int(text) if text else None
    if value is None or not -4 <= value <= 4:
        logger.warning("MixMonitor: volume %s(%s) must be a number from -4 to 4", letter, text)
        return None
    return value


async def execute(state: ExecState, args: str) -> AppResult:
    parts = split_args(args, limit=3)
    try:
        options = parse_options(parts[1] if len(parts) > 1 else "", OPTIONS)
    except OptionError as exc:
        logger.warning("MixMonitor: %s", exc)
        return HANGUP
    ignored = "".join(letter for letter in options.values if letter not in _HANDLED)
    if ignored:
        logger.debug("MixMonitor: options %s accepted without effect", ignored)
    folder = state.channel.monitor_dir
    main = _file(parts[0], folder) if parts and parts[0] else None
    side: dict[str, Path | None] = {}
    for letter in "rt":
        name = options.arg(letter)
        if letter in options and not name:
            logger.warning("MixMonitor: no file name was provided for option %s()", letter)
        side[letter] = _file(name, folder) if name else None
    if main is None and side["r"] is None and side["t"] is None:
        logger.warning("MixMonitor requires a file name, or r(file) and/or t(file)")
        return HANGUP
    state.require_live_channel()
    heard = spoken = 0
    # W first, so that v or V given with it can still change one direction.
    for letter in "WvV":
        value = _volume(options.arg(letter), letter) if letter in options else None
        if value is not None:
            heard = value if letter in "Wv" else heard
            spoken = value if letter in "WV" else spoken
    if main is not None:
        state.set_variable("MIXMONITOR_FILENAME", str(main))
    command = parts[2] if len(parts) > 2 else ""
    if command:
        command = substitute(command.replace("^{", "${"), state)
    recorder_id = await state.channel.start_mixmonitor(
        MixMonitorRequest(
            path=main,
            receive_path=side["r"],
            transmit_path=side["t"],
            stereo="D" in options,
            append="a" in options,
            bridged_only="b" in options,
            volume_heard=heard,
            volume_spoken=spoken,
            post_command=command or None,
        )
    )
    variable = options.arg("i")
    if variable:
        state.set_variable(variable, recorder_id)
    return CONTINUE
