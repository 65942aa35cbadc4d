"""Downmix and resampling to 8 kHz: frequency, level, timing and alias rejection."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from media.goertzel import dominant_frequency, rms_dbov
from media.resample import to_8k_mono

RATES = [44100, 48000, 16000, 22050, 32000, 11025]


def _sine(
    freq: float, rate: int, seconds: float = 1.0, level: float = 0.5
) -> npt.NDArray[np.int16]:
    t = np.arange(round(rate * seconds)) / rate
    return np.round(level * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def _steady(samples: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """Drop the filter's start-up and tail (well under 50 ms at every rate)."""
    return samples[400:-400]


@pytest.mark.parametrize("rate", RATES)
def test_sine_keeps_its_frequency_and_level(rate: int) -> None:
    out = to_8k_mono(_sine(1000.0, rate), rate)
    assert out.dtype == np.int16
    assert len(out) == 8000
    assert dominant_frequency(out) == pytest.approx(1000.0, abs=2.0)
    # Passband gain is unity: a -9 dBov sine stays within 0.1 dB.
    assert rms_dbov(_steady(out)) == pytest.approx(rms_dbov(_sine(1000.0, rate)), abs=0.1)


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("freq", [300.0, 3000.0, 3300.0])
def test_passband_is_flat(rate: int, freq: float) -> None:
    out = to_8k_mono(_sine(freq, rate), rate)
    assert dominant_frequency(out) == pytest.approx(freq, abs=2.0)
    assert rms_dbov(_steady(out)) == pytest.approx(rms_dbov(_sine(freq, rate)), abs=0.2)


# Each input tone above 4 kHz would fold onto a frequency inside the telephone band.
ALIASES = [
    (44100, 6000.0),
    (44100, 10000.0),
    (44100, 15000.0),
    (48000, 7000.0),
    (48000, 4500.0),
    (48000, 20000.0),
    (16000, 5000.0),
    (16000, 7000.0),
    (16000, 4100.0),
    (22050, 9000.0),
    (11025, 5000.0),
]


@pytest.mark.parametrize(("rate", "freq"), ALIASES)
def test_aliases_are_suppressed_by_more_than_40_db(rate: int, freq: float) -> None:
    reference = rms_dbov(_steady(to_8k_mono(_sine(1000.0, rate), rate)))
    alias = rms_dbov(_steady(to_8k_mono(_sine(freq, rate), rate)))
    assert alias - reference < -40.0


def test_stereo_downmix_interleaved_and_two_dimensional() -> None:
    left = _sine(500.0, 16000)
    right = _sine(1500.0, 16000)
    interleaved = np.stack((left, right), axis=1).reshape(-1)
    out = to_8k_mono(interleaved, 16000, channels=2)
    assert len(out) == 8000
    spectrum = np.abs(np.fft.rfft(out.astype(np.float64)))
    assert spectrum[500] == pytest.approx(spectrum[1500], rel=0.05)
    assert np.array_equal(out, to_8k_mono(np.stack((left, right), axis=1), 16000, channels=2))


def test_opposite_channels_cancel() -> None:
    tone = _sine(800.0, 8000)
    both = np.stack((tone, -tone), axis=1)
    assert not to_8k_mono(both, 8000, channels=2).any()


def test_8k_mono_passes_through_unchanged() -> None:
    tone = _sine(1234.0, 8000)
    assert np.array_equal(to_8k_mono(tone, 8000), tone)


def test_float_input_is_full_scale_at_one() -> None:
    t = np.arange(48000) / 48000
    floats = 0.5 * np.sin(2 * np.pi * 1000.0 * t)
    from_float = to_8k_mono(floats.astype(np.float32), 48000)
    from_int = to_8k_mono(np.round(floats * 32768).astype(np.int16), 48000)
    assert np.max(np.abs(from_float.astype(int) - from_int.astype(int))) <= 1


def test_timing_is_preserved() -> None:
    # A click at 0.5 s comes out at 0.5 s: the filter is centred, not delaying.
    for rate in (44100, 48000, 16000):
        click = np.zeros(rate, dtype=np.int16)
        click[rate // 2] = 30000
        out = to_8k_mono(click, rate)
        assert abs(int(np.argmax(np.abs(out))) - 4000) <= 1


def test_clipping_instead_of_wrapping() -> None:
    square = np.tile(np.array([32767] * 24 + [-32768] * 24, dtype=np.int16), 1000)
    out = to_8k_mono(square, 48000)
    # Ringing of the band-limited square overshoots full scale; it must clip, not wrap.
    assert int(out.max()) == 32767
    assert int(out.min()) == -32768
    assert not np.any(np.diff(out.astype(np.int32)) > 60000)


def test_upsampling_from_below_8k() -> None:
    out = to_8k_mono(_sine(1000.0, 6000), 6000)
    assert len(out) == 8000
    assert dominant_frequency(out) == pytest.approx(1000.0, abs=2.0)


def test_short_and_empty_input() -> None:
    assert len(to_8k_mono(np.zeros(0, dtype=np.int16), 44100)) == 0
    assert len(to_8k_mono(np.zeros(5, dtype=np.int16), 44100)) == 1
    assert len(to_8k_mono(np.zeros(7, dtype=np.int16), 48000)) == 2


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="multiple of the channel count"):
        to_8k_mono(np.zeros(5, dtype=np.int16), 8000, channels=2)
    with pytest.raises(ValueError, match="shaped"):
        to_8k_mono(np.zeros((4, 3), dtype=np.int16), 8000, channels=2)
    with pytest.raises(ValueError, match="at least 1"):
        to_8k_mono(np.zeros(4, dtype=np.int16), 8000, channels=0)
    with pytest.raises(ValueError, match="positive"):
        to_8k_mono(np.zeros(4, dtype=np.int16), 0)
    with pytest.raises(TypeError, match="int16"):
        to_8k_mono(np.zeros(4, dtype=np.int32), 8000)
    with pytest.raises(TypeError, match="unsupported"):
        to_8k_mono(np.zeros(4, dtype=np.complex64), 8000)
