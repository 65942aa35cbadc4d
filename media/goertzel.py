"""Spectral measurements on int16 audio: single-frequency power, pitch, level, inband DTMF.

The Goertzel algorithm evaluates one DFT term at an arbitrary frequency; its output power is
``|sum(x[n] * exp(-2j*pi*f*n/rate))|**2``. In Python the recurrence would run per sample, so
the same quantity is computed here as a dot product with a precomputed complex exponential,
which numpy does in C for all eight DTMF frequencies at once.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "DTMF_COLUMNS",
    "DTMF_KEYS",
    "DTMF_ROWS",
    "InbandDtmfDetector",
    "dominant_frequency",
    "goertzel_power",
    "is_silence",
    "rms_dbov",
]

DTMF_ROWS = (697.0, 770.0, 852.0, 941.0)
"""The low group: one per keypad row."""
DTMF_COLUMNS = (1209.0, 1336.0, 1477.0, 1633.0)
"""The high group: one per keypad column (1633 Hz is the A-D column)."""
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")

_FULL_SCALE = 32768.0
"""0 dBov: the RMS of a full-scale square wave."""


def _basis(freqs: tuple[float, ...], count: int, rate: int) -> npt.NDArray[np.complex128]:
    n = np.arange(count)
    basis: npt.NDArray[np.complex128] = np.exp(-2j * np.pi * np.outer(freqs, n) / rate)
    return basis


def goertzel_power(samples: npt.ArrayLike, freq: float, rate: int = 8000) -> float:
    """The power of ``samples`` at ``freq`` Hz, as the Goertzel algorithm computes it.

    A full-block sine of amplitude ``a`` at ``freq`` gives ``(a * len(samples) / 2) ** 2``.
    """
    x = np.asarray(samples, dtype=np.float64)
    term = _basis((freq,), len(x), rate) @ x
    return float(np.abs(term[0]) ** 2)


def dominant_frequency(samples: npt.ArrayLike, rate: int = 8000) -> float:
    """The frequency of the strongest spectral peak, in Hz (0.0 for silence).

    A Hann window keeps distant components from leaking onto the peak, and a parabola fitted
    through the log magnitudes of the peak bin and its neighbours places the peak between
    bins: a 1 s sine comes out well within 1 Hz although the bins are 1 Hz apart.
    """
    x = np.asarray(samples, dtype=np.float64)
    if len(x) < 4:
        raise ValueError("need at least 4 samples")
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    peak = int(np.argmax(spectrum[1:])) + 1
    if spectrum[peak] == 0:
        return 0.0
    offset = 0.0
    if peak < len(spectrum) - 1:
        left, centre, right = np.log(spectrum[peak - 1 : peak + 2] + 1e-12)
        curvature = left - 2 * centre + right
        if curvature < 0:
            offset = 0.5 * (left - right) / curvature
    return float((peak + offset) * rate / len(x))


def rms_dbov(samples: npt.ArrayLike) -> float:
    """The RMS level in dBov; ``-inf`` for digital silence."""
    x = np.asarray(samples, dtype=np.float64)
    if len(x) == 0:
        return -math.inf
    rms = math.sqrt(float(np.mean(x * x)))
    return 20 * math.log10(rms / _FULL_SCALE) if rms > 0 else -math.inf


def is_silence(frame: npt.ArrayLike, threshold_dbov: float = -50.0) -> bool:
    """Whether ``frame`` is quieter than ``threshold_dbov``."""
    return rms_dbov(frame) < threshold_dbov


_PROBE_OFFSETS = (-0.015, 0.0, 0.015)
"""Each DTMF frequency is measured at its nominal value and at the +-1.5% a sender may be
off by (ITU Q.24), keeping the best: an in-tolerance tone then measures within 0.5 dB of its
true level, so the energy share can be demanding without rejecting real digits."""


def _db(ratio_db: float) -> float:
    return 10 ** (ratio_db / 10)


class InbandDtmfDetector:
    """Finds DTMF digits in audio, one call per frame (160 samples = 20 ms at 8 kHz).

    A frame holds a digit when exactly one row and one column tone stand out:

    * each tone is at least ``min_level_dbov`` (as the RMS of that sine alone);
    * the strongest row and column exceed the runner-up of their group by ``peak_ratio_db``;
    * the row/column level difference is within ``normal_twist_db`` when the row is louder
      (lines attenuate the high group) and ``reverse_twist_db`` when the column is;
    * the two tones carry at least ``min_tone_fraction`` of the frame's energy, which is what
      rejects speech and music whose harmonics happen to sit on DTMF frequencies.

    Frames are Hann-windowed: over 20 ms the neighbouring frequencies of a group are only
    73-89 Hz apart, and the window's fast-falling skirts leak less across that gap than a
    plain block does. Tones more than 3.5% off nominal measure too weak for the energy share.

    A digit is reported once, when ``min_frames`` consecutive frames agree (40 ms at 20 ms
    frames, the shortest tone the ITU Q.24 figures require), and again only after a frame
    without it.
    """

    __slots__ = (
        "_basis",
        "_candidate",
        "_hits",
        "_power_to_amplitude",
        "_power_to_energy",
        "_reported",
        "_window",
        "frame_samples",
        "min_frames",
        "min_level_dbov",
        "min_tone_fraction",
        "normal_twist_db",
        "peak_ratio_db",
        "rate",
        "reverse_twist_db",
    )

    def __init__(
        self,
        *,
        rate: int = 8000,
        frame_samples: int = 160,
        min_level_dbov: float = -36.0,
        peak_ratio_db: float = 6.0,
        normal_twist_db: float = 8.0,
        reverse_twist_db: float = 4.0,
        min_tone_fraction: float = 0.9,
        min_frames: int = 2,
    ) -> None:
        if rate <= 0 or frame_samples <= 0 or min_frames < 1:
            raise ValueError("rate, frame size and min_frames must be positive")
        self.rate = rate
        self.frame_samples = frame_samples
        self.min_level_dbov = min_level_dbov
        self.peak_ratio_db = peak_ratio_db
        self.normal_twist_db = normal_twist_db
        self.reverse_twist_db = reverse_twist_db
        self.min_tone_fraction = min_tone_fraction
        self.min_frames = min_frames
        window = np.hanning(frame_samples)
        self._window = window
        probes = tuple(f * (1 + d) for f in DTMF_ROWS + DTMF_COLUMNS for d in _PROBE_OFFSETS)
        self._basis = _basis(probes, frame_samples, rate) * window
        # A windowed sine of amplitude a has power (a * sum(w) / 2)**2 and windowed energy
        # a**2 / 2 * sum(w**2); this factor turns the former into the latter.
        self._power_to_energy = 2 * float(np.sum(window**2)) / float(np.sum(window)) ** 2
        self._power_to_amplitude = 2 / float(np.sum(window))
        self._candidate: str | None = None
        self._hits = 0
        self._reported = False

    def feed(self, frame: npt.ArrayLike) -> list[str]:
        """Digits that became certain with this frame (zero or one)."""
        digit = self.classify(frame)
        if digit != self._candidate:
            self._candidate = digit
            self._hits = 0
            self._reported = False
        if digit is None:
            return []
        self._hits += 1
        if self._reported or self._hits < self.min_frames:
            return []
        self._reported = True
        return [digit]

    def classify(self, frame: npt.ArrayLike) -> str | None:
        """The digit this single frame holds, without any timing rule."""
        x = np.asarray(frame, dtype=np.float64)
        if len(x) != self.frame_samples:
            raise ValueError(f"frames must have {self.frame_samples} samples, not {len(x)}")
        windowed = x * self._window
        energy = float(np.dot(windowed, windowed))
        if energy == 0:
            return None
        power = (np.abs(self._basis @ x) ** 2).reshape(8, len(_PROBE_OFFSETS)).max(axis=1)
        rows, cols = power[:4], power[4:]
        row = int(np.argmax(rows))
        col = int(np.argmax(cols))
        row_power, col_power = float(rows[row]), float(cols[col])
        weakest_rms = math.sqrt(min(row_power, col_power)) * self._power_to_amplitude / math.sqrt(2)
        if weakest_rms <= 0 or 20 * math.log10(weakest_rms / _FULL_SCALE) < self.min_level_dbov:
            return None
        ratio = _db(self.peak_ratio_db)
        if any(p * ratio > row_power for i, p in enumerate(rows) if i != row):
            return None
        if any(p * ratio > col_power for i, p in enumerate(cols) if i != col):
            return None
        if row_power > col_power * _db(self.normal_twist_db):
            return None
        if col_power > row_power * _db(self.reverse_twist_db):
            return None
        if (row_power + col_power) * self._power_to_energy < self.min_tone_fraction * energy:
            return None
        return DTMF_KEYS[row][col]
