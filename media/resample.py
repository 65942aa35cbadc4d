"""Conversion of decoded audio files to the switch's internal format: 8 kHz mono int16.

Resampling is rational (by ``L/M`` = 8000/rate reduced) and polyphase: conceptually the input
is upsampled by ``L`` with zeros, low-pass filtered, and every ``M``-th sample kept; only the
products that survive the decimation are computed. The filter is a Kaiser-windowed sinc with
its passband to 3.4 kHz (the telephone band) and at least 70 dB of attenuation from 4 kHz, the
new Nyquist frequency, so nothing above it folds back into the band. When the input rate is
below 8 kHz the same edges are placed at the input's Nyquist frequency instead.

Everything is numpy: the filter taps for one output phase are applied to a strided window
view of the input with one matrix product per phase, in blocks to bound memory.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["TARGET_RATE", "to_8k_mono"]

TARGET_RATE = 8000
_PASS_EDGE = 3400.0
_STOP_EDGE = 4000.0
_STOP_ATTENUATION_DB = 70.0
_BLOCK = 8192


def _kaiser_beta(attenuation_db: float) -> float:
    # Kaiser's empirical fit for stopband attenuations above 50 dB.
    return 0.1102 * (attenuation_db - 8.7)


def _mono_float(samples: npt.ArrayLike, channels: int) -> npt.NDArray[np.float64]:
    array = np.asarray(samples)
    if np.issubdtype(array.dtype, np.integer):
        if array.dtype != np.int16:
            raise TypeError(f"integer samples must be int16, not {array.dtype}")
        scaled = array.astype(np.float64)
    elif np.issubdtype(array.dtype, np.floating):
        # Float audio (soundfile's default) is full scale at +-1.0.
        scaled = array.astype(np.float64) * 32768.0
    else:
        raise TypeError(f"unsupported sample type {array.dtype}")
    if channels < 1:
        raise ValueError("channels must be at least 1")
    if scaled.ndim == 1:
        if len(scaled) % channels:
            raise ValueError("interleaved sample count is not a multiple of the channel count")
        scaled = scaled.reshape(-1, channels)
    elif scaled.ndim != 2 or scaled.shape[1] != channels:
        raise ValueError("samples must be interleaved 1-D or shaped (frames, channels)")
    result: npt.NDArray[np.float64] = scaled.mean(axis=1)
    return result


def _to_int16(signal: npt.NDArray[np.float64]) -> npt.NDArray[np.int16]:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def _phase_taps(up: int, down: int, rate: int) -> tuple[npt.NDArray[np.float64], int]:
    """Filter taps for each output phase, shape (up, width), and the half width in inputs."""
    nyquist = min(rate, TARGET_RATE) / 2
    pass_edge = min(_PASS_EDGE, nyquist * 0.85)
    stop_edge = min(_STOP_EDGE, nyquist)
    cutoff = (pass_edge + stop_edge) / 2
    upsampled_rate = rate * up
    transition = 2 * np.pi * (stop_edge - pass_edge) / upsampled_rate
    length = math.ceil((_STOP_ATTENUATION_DB - 7.95) / (2.285 * transition)) + 1
    half = length / 2
    reach = math.ceil(half / up)
    beta = _kaiser_beta(_STOP_ATTENUATION_DB)
    # Tap k of phase p weights the input k samples before the output's nearest-earlier input;
    # in upsampled samples that input is k*up + p before the output instant.
    k = np.arange(-reach, reach + 1)
    t = k[None, :] * up + np.arange(up)[:, None]
    inside = np.clip(1 - (t / half) ** 2, 0, None)
    window = np.i0(beta * np.sqrt(inside)) / np.i0(beta)
    window[np.abs(t) >= half] = 0
    taps = window * np.sinc(2 * cutoff / upsampled_rate * t) * (2 * cutoff / upsampled_rate)
    # Zero-stuffing by ``up`` divides the signal's level by ``up``; the filter gives it back.
    taps *= up
    # Input windows run forward in time while k counts backwards.
    return taps[:, ::-1].copy(), reach


def _resample(x: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.float64]:
    divisor = math.gcd(TARGET_RATE, rate)
    up, down = TARGET_RATE // divisor, rate // divisor
    out_count = -(-len(x) * up // down)
    if out_count == 0:
        return np.zeros(0)
    taps, reach = _phase_taps(up, down, rate)
    padded = np.concatenate((np.zeros(reach), x, np.zeros(reach + 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1)
    out = np.empty(out_count)
    for first in range(min(up, out_count)):
        # Outputs first, first+up, ... share a phase; their inputs advance by ``down``.
        start, phase = divmod(first * down, up)
        count = len(range(first, out_count, up))
        rows = windows[start : start + count * down : down]
        values = np.empty(count)
        for block in range(0, count, _BLOCK):
            values[block : block + _BLOCK] = rows[block : block + _BLOCK] @ taps[phase]
        out[first::up] = values
    return out


def to_8k_mono(samples: npt.ArrayLike, rate: int, channels: int = 1) -> npt.NDArray[np.int16]:
    """Downmix to mono and resample to 8 kHz; int16 in, or float at +-1.0 full scale."""
    if rate <= 0:
        raise ValueError("sample rate must be positive")
    mono = _mono_float(samples, channels)
    if rate != TARGET_RATE:
        mono = _resample(mono, rate)
    return _to_int16(mono)
