"""Finding a call's recording by its UNIQUEID, without ever leaving the recordings folder.

Evolvex recorded with ``MixMonitor(${UNIQUEID}.wav,…)`` into the monitor folder, and its
post-command made ``${UNIQUEID}.mp3`` beside it; the switch's MixMonitor writes relative names
into ``[paths] recordings`` the same way. So the recording of call ``1711279935.60`` is
``<recordings>/1711279935.60.wav`` and ``.mp3``. A name is built only from a validated
UNIQUEID (:func:`http_api.evolvex.params.check_uniqueid`), and the resolved path must still
lie in the folder, so a symlink placed there cannot lead outside either.

The look-ups touch the disk: call them from a worker thread.
"""

from __future__ import annotations

import enum
from pathlib import Path


class AudioFormat(enum.Enum):
    WAV = "wav"
    MP3 = "mp3"

    @property
    def content_type(self) -> str:
        return "audio/mpeg" if self is AudioFormat.MP3 else "audio/wav"


class Recordings:
    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def find(self, uniqueid: str, fmt: AudioFormat) -> Path | None:
        """The recording of *uniqueid* in *fmt*, or None when there is none."""
        root = self._folder.resolve()
        path = (root / f"{uniqueid}.{fmt.value}").resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path

    def exists(self, uniqueid: str) -> bool:
        """Whether the call has a recording in either format."""
        return any(self.find(uniqueid, fmt) is not None for fmt in AudioFormat)
