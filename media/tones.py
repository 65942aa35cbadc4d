"""Tone generators at 8 kHz, int16: sines, dual tones, the beep and call-progress cadences.

Amplitudes are fractions of full scale (1.0 = a peak of 32767). Cadenced tones are infinite
iterators of 20 ms frames whose phase runs on across frames and cadence steps, so they can be
paced by the media tick without clicks at frame boundaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "FRAME_SAMPLES",
    "RATE",
    "Cadence",
    "beep",
    "cadence_frames",
    "dual_tone",
    "ringback",
    "silence",
    "sine",
]

RATE = 8000
FRAME_SAMPLES = 160
_FULL_SCALE = 32767

Samples = npt.NDArray[np.int16]


def _sample_count(seconds: float) -> int:
    if seconds < 0:
        raise ValueError("duration must not be negative")
    return round(seconds * RATE)


def _check_amplitude(amplitude: float) -> None:
    if not 0 <= amplitude <= 1:
        raise ValueError("amplitude is a fraction of full scale, between 0 and 1")


def _to_int16(signal: npt.NDArray[np.float64]) -> Samples:
    return np.round(signal * _FULL_SCALE).astype(np.int16)


def _mix(freqs: tuple[float, ...], start: int, count: int, amplitude: float) -> Samples:
    t = np.arange(start, start + count, dtype=np.float64) / RATE
    signal = np.zeros(count)
    for freq in freqs:
        signal += np.sin(2 * np.pi * freq * t)
    return _to_int16(signal * (amplitude / max(1, len(freqs))))


def sine(freq: float, seconds: float, amplitude: float = 0.5) -> Samples:
    """A sine of ``freq`` Hz with peak ``amplitude``."""
    _check_amplitude(amplitude)
    if not 0 < freq < RATE / 2:
        raise ValueError("frequency must be between 0 and the Nyquist frequency")
    return _mix((freq,), 0, _sample_count(seconds), amplitude)


def dual_tone(freq1: float, freq2: float, seconds: float, amplitude: float = 0.5) -> Samples:
    """Two sines of equal level whose sum peaks at ``amplitude`` (DTMF, ringback, busy)."""
    _check_amplitude(amplitude)
    if not (0 < freq1 < RATE / 2 and 0 < freq2 < RATE / 2):
        raise ValueError("frequencies must be between 0 and the Nyquist frequency")
    return _mix((freq1, freq2), 0, _sample_count(seconds), amplitude)


def silence(seconds: float) -> Samples:
    """Zeros."""
    return np.zeros(_sample_count(seconds), dtype=np.int16)


def beep(freq: float = 1000.0, seconds: float = 0.25, amplitude: float = 0.5) -> Samples:
    """The prompt-to-record beep: a short 1 kHz tone, as Asterisk plays before recording.

    The edges are faded over 5 ms because a tone switched on at full level clicks.
    """
    tone = sine(freq, seconds, amplitude).astype(np.float64)
    ramp = min(len(tone) // 2, RATE // 200)
    if ramp:
        fade = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, ramp, endpoint=False))
        tone[:ramp] *= fade
        tone[len(tone) - ramp :] *= fade[::-1]
    return np.round(tone).astype(np.int16)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cadence:
    """A repeating on/off pattern of one tone: ``steps`` are (seconds, on) pairs."""

    freqs: tuple[float, ...]
    steps: tuple[tuple[float, bool], ...]

    def __post_init__(self) -> None:
        if not self.freqs or not self.steps:
            raise ValueError("a cadence needs frequencies and steps")
        if any(seconds <= 0 for seconds, _ in self.steps):
            raise ValueError("cadence steps must have positive durations")


_RINGBACK: dict[str, Cadence] = {
    # North America (ANSI T1.401): 440 + 480 Hz, 2 s on, 4 s off.
    "us": Cadence(freqs=(440.0, 480.0), steps=((2.0, True), (4.0, False))),
    # United Kingdom: 400 + 450 Hz, 0.4 on, 0.2 off, 0.4 on, 2 off.
    "uk": Cadence(
        freqs=(400.0, 450.0),
        steps=((0.4, True), (0.2, False), (0.4, True), (2.0, False)),
    ),
    # Much of continental Europe (Germany, France, Italy...): 425 Hz, 1 s on, 4 s off.
    "eu": Cadence(freqs=(425.0,), steps=((1.0, True), (4.0, False))),
}


def cadence_frames(cadence: Cadence, amplitude: float = 0.25) -> Iterator[Samples]:
    """An endless iterator of 20 ms frames playing ``cadence``."""
    _check_amplitude(amplitude)
    # Sample boundaries of each step within one period, so frames can straddle steps.
    edges = np.cumsum([0, *(_sample_count(seconds) for seconds, _ in cadence.steps)])
    period = int(edges[-1])
    on_mask = np.zeros(period, dtype=bool)
    for (_, on), start, end in zip(cadence.steps, edges[:-1], edges[1:], strict=True):
        on_mask[start:end] = on
    position = 0
    while True:
        frame = _mix(cadence.freqs, position, FRAME_SAMPLES, amplitude)
        index = (position + np.arange(FRAME_SAMPLES)) % period
        frame[~on_mask[index]] = 0
        position += FRAME_SAMPLES
        yield frame


def ringback(country: str = "us", amplitude: float = 0.25) -> Iterator[Samples]:
    """Ringback tone for ``country`` (``us``, ``uk`` or ``eu``) as 20 ms frames."""
    try:
        cadence = _RINGBACK[country.lower()]
    except KeyError:
        raise ValueError(f"no ringback cadence for {country!r}") from None
    return cadence_frames(cadence, amplitude)
