"""Tone generators: frequencies, levels, lengths and cadences."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pytest

from media.goertzel import dominant_frequency, goertzel_power, rms_dbov
from media.tones import (
    FRAME_SAMPLES,
    RATE,
    Cadence,
    beep,
    cadence_frames,
    dual_tone,
    ringback,
    silence,
    sine,
)


def test_sine_frequency_length_and_peak() -> None:
    tone = sine(440.0, 0.5, 0.5)
    assert tone.dtype == np.int16
    assert len(tone) == 4000
    assert dominant_frequency(tone) == pytest.approx(440.0, abs=1.0)
    assert int(np.abs(tone).max()) == pytest.approx(16384, abs=2)


def test_full_scale_sine_does_not_wrap() -> None:
    tone = sine(1004.0, 0.1, 1.0)
    assert int(tone.max()) <= 32767
    assert int(tone.min()) >= -32767
    # A full-scale sine is 3 dB below a full-scale square wave, which is 0 dBov.
    assert rms_dbov(tone) == pytest.approx(-3.01, abs=0.05)


def test_dual_tone_has_both_components_at_equal_level() -> None:
    tone = dual_tone(697.0, 1209.0, 0.2, 0.5)
    low = goertzel_power(tone, 697.0)
    high = goertzel_power(tone, 1209.0)
    assert low == pytest.approx(high, rel=0.02)
    assert goertzel_power(tone, 941.0) < low / 100
    assert int(np.abs(tone).max()) <= 16384


def test_silence() -> None:
    quiet = silence(0.3)
    assert quiet.dtype == np.int16
    assert len(quiet) == 2400
    assert not quiet.any()


def test_beep_is_a_short_1khz_tone_without_clicks() -> None:
    tone = beep()
    assert len(tone) == RATE // 4
    assert dominant_frequency(tone) == pytest.approx(1000.0, abs=2.0)
    # Faded in and out: the first and last samples are near zero, the middle at full level.
    assert abs(int(tone[0])) < 100
    assert abs(int(tone[-1])) < 1000
    assert int(np.abs(tone[500:1500]).max()) == pytest.approx(16384, abs=2)


def test_us_ringback_cadence() -> None:
    frames = list(islice(ringback("us"), 6 * 50 * 2))
    assert all(len(frame) == FRAME_SAMPLES and frame.dtype == np.int16 for frame in frames)
    on = [bool(frame.any()) for frame in frames]
    # 2 s (100 frames) on, 4 s (200 frames) off, twice.
    assert on == ([True] * 100 + [False] * 200) * 2
    burst = np.concatenate(frames[:100])
    assert goertzel_power(burst, 440.0) == pytest.approx(goertzel_power(burst, 480.0), rel=0.02)
    assert goertzel_power(burst, 350.0) < goertzel_power(burst, 440.0) / 100


def test_ringback_phase_is_continuous_across_frames() -> None:
    frames = list(islice(ringback("us"), 10))
    joined = np.concatenate(frames).astype(np.float64)
    t = np.arange(len(joined)) / RATE
    expected = 0.125 * (np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t)) * 32767
    assert np.max(np.abs(joined - expected)) <= 1


def test_other_countries_and_unknown() -> None:
    uk = [bool(f.any()) for f in islice(ringback("UK"), 150)]
    assert uk == [True] * 20 + [False] * 10 + [True] * 20 + [False] * 100
    eu = list(islice(ringback("eu"), 250))
    assert [bool(f.any()) for f in eu] == [True] * 50 + [False] * 200
    assert dominant_frequency(np.concatenate(eu[:50])) == pytest.approx(425.0, abs=1.0)
    with pytest.raises(ValueError, match="no ringback cadence"):
        ringback("xx")


def test_cadence_step_boundary_inside_a_frame() -> None:
    # 25 ms on, 15 ms off: the tone stops 5 ms (40 samples) into the second frame.
    cadence = Cadence(freqs=(1004.0,), steps=((0.025, True), (0.015, False)))
    frames = list(islice(cadence_frames(cadence, 0.5), 4))
    joined = np.concatenate(frames)
    expected = sine(1004.0, 0.08, 0.5)
    on = (np.arange(640) % 320) < 200
    assert np.array_equal(joined[on], expected[on])
    assert not joined[~on].any()


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="amplitude"):
        sine(440.0, 1.0, 1.5)
    with pytest.raises(ValueError, match="Nyquist"):
        sine(4000.0, 1.0)
    with pytest.raises(ValueError, match="Nyquist"):
        dual_tone(440.0, 5000.0, 1.0)
    with pytest.raises(ValueError, match="negative"):
        silence(-1.0)
    with pytest.raises(ValueError, match="positive durations"):
        Cadence(freqs=(440.0,), steps=((0.0, True),))
