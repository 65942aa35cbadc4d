"""What runs when a MixMonitor recording ends: its post-command.

The Evolvex scripts named in ``MIXMONITOR_COMMAND`` (``wavtompeg/script.php`` for a mono mp3,
``wavtostereompeg/script.php`` for a stereo one) are recognised and done in-process by
:mod:`media.recording_files` on a worker thread; any other command runs with ``/bin/sh -c``
as Asterisk does. Either way the call is never blocked.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from media.mp3 import RecordingConversionError
from media.recording_files import direction_files, mono_mp3, stereo_mp3
from softswitch.tasks import TaskSet

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 600.0

MONO_SCRIPT = "wavtompeg/script.php"
STEREO_SCRIPT = "wavtostereompeg/script.php"


def builtin_conversion(command: str, recordings: Path) -> Callable[[], Path] | None:
    """The in-process job for one of the Evolvex scripts, or None for other commands."""
    try:
        argv = shlex.split(command)
    except ValueError:
        return None
    if not argv:
        return None
    script = argv[0]
    uniqueid = next((a.split("=", 1)[1] for a in argv[1:] if a.startswith("--uniqueid=")), None)
    if uniqueid is None or "/" in uniqueid or uniqueid in ("", ".", ".."):
        return None
    mixed = recordings / f"{uniqueid}.wav"
    if script.endswith(MONO_SCRIPT):
        return lambda: mono_mp3(mixed)
    if script.endswith(STEREO_SCRIPT):
        receive, transmit = direction_files(mixed)
        return lambda: stereo_mp3(mixed, receive, transmit)
    return None


class PostRecording:
    def __init__(self, recordings: Path) -> None:
        self._recordings = recordings
        self.tasks = TaskSet("post-recording")

    def run(self, command: str, logger: logging.LoggerAdapter[Any] | logging.Logger) -> None:
        self.tasks.spawn(self._run(command, logger))

    async def _run(self, command: str,
                   logger: logging.LoggerAdapter[Any] | logging.Logger) -> None:
        job = builtin_conversion(command, self._recordings)
        if job is not None:
            try:
                result = await asyncio.to_thread(job)
            except (RecordingConversionError, OSError, ValueError) as exc:
                logger.warning("recording conversion failed (%s): %s", command, exc)
            else:
                logger.info("recording converted: %s", result)
            return
        process = await asyncio.create_subprocess_exec(
            "/bin/sh", "-c", command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
            logger.warning("post-recording command killed after %.0f s: %s",
                           COMMAND_TIMEOUT_S, command)
            return
        if process.returncode:
            logger.warning("post-recording command exited %d: %s: %s", process.returncode,
                           command, stderr.decode(errors="replace").strip()[:500])

    async def close(self) -> None:
        await self.tasks.wait()
