"""Routes media-plane events to whoever waits for them: per stream (digits) and per
playback or recording id (their end)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

from softswitch.mediaplane.protocol import (
    DtmfBegin,
    DtmfEnd,
    Event,
    PlaybackFinished,
    RecordingFinished,
)

DigitListener = Callable[[str, bool, int | None], None]
"""Called with (digit, ended, duration_ms) for each DTMF event on a stream."""


class MediaWaiters:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._playbacks: dict[int, asyncio.Future[bool]] = {}
        self._recordings: dict[int, asyncio.Future[RecordingFinished]] = {}
        self._digits: dict[int, DigitListener] = {}
        self._recording_listeners: dict[int, Callable[[RecordingFinished], None]] = {}

    def new_id(self) -> int:
        return next(self._ids)

    def playback(self, play_id: int) -> asyncio.Future[bool]:
        """A future resolved with ``completed`` when playback *play_id* ends."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._playbacks[play_id] = future
        return future

    def recording(self, record_id: int) -> asyncio.Future[RecordingFinished]:
        future: asyncio.Future[RecordingFinished] = asyncio.get_running_loop().create_future()
        self._recordings[record_id] = future
        return future

    def on_recording_finished(self, record_id: int,
                              listener: Callable[[RecordingFinished], None]) -> None:
        self._recording_listeners[record_id] = listener

    def listen_digits(self, stream_id: int, listener: DigitListener) -> None:
        self._digits[stream_id] = listener

    def forget_stream(self, stream_id: int) -> None:
        self._digits.pop(stream_id, None)

    def __call__(self, event: Event) -> None:
        match event:
            case PlaybackFinished(play_id=play_id, completed=completed):
                future = self._playbacks.pop(play_id, None)
                if future is not None and not future.done():
                    future.set_result(completed)
            case RecordingFinished(record_id=record_id):
                waiter = self._recordings.pop(record_id, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(event)
                listener = self._recording_listeners.pop(record_id, None)
                if listener is not None:
                    listener(event)
            case DtmfBegin(stream_id=stream_id, digit=digit):
                digits = self._digits.get(stream_id)
                if digits is not None:
                    digits(digit, False, None)
            case DtmfEnd(stream_id=stream_id, digit=digit, duration_ms=duration):
                digits = self._digits.get(stream_id)
                if digits is not None:
                    digits(digit, True, duration)
            case _:
                pass
