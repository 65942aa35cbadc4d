"""Goertzel power, pitch estimation, levels and the inband DTMF detector."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest

from media.goertzel import (
    DTMF_COLUMNS,
    DTMF_KEYS,
    DTMF_ROWS,
    InbandDtmfDetector,
    dominant_frequency,
    goertzel_power,
    is_silence,
    rms_dbov,
)
from media.tones import dual_tone, silence, sine

RATE = 8000


def _tone(freqs: list[tuple[float, float]], seconds: float) -> npt.NDArray[np.int16]:
    """Sum of sines given as (frequency, RMS level in dBov)."""
    t = np.arange(round(seconds * RATE)) / RATE
    signal = np.zeros(len(t))
    for freq, level in freqs:
        amplitude = 32768 * math.sqrt(2) * 10 ** (level / 20)
        signal += amplitude * np.sin(2 * np.pi * freq * t)
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def _digit(
    key: str, seconds: float, *, row_db: float = -10.0, col_db: float = -10.0
) -> npt.NDArray[np.int16]:
    row = next(r for r, keys in enumerate(DTMF_KEYS) if key in keys)
    col = DTMF_KEYS[row].index(key)
    return _tone([(DTMF_ROWS[row], row_db), (DTMF_COLUMNS[col], col_db)], seconds)


def _frames(signal: npt.NDArray[np.int16]) -> Iterator[npt.NDArray[np.int16]]:
    for start in range(0, len(signal) - 159, 160):
        yield signal[start : start + 160]


def _detect(signal: npt.NDArray[np.int16], detector: InbandDtmfDetector | None = None) -> str:
    detector = detector or InbandDtmfDetector()
    return "".join(d for frame in _frames(signal) for d in detector.feed(frame))


# -- goertzel_power, dominant_frequency, levels ----------------------------------------------


def test_goertzel_power_of_a_sine() -> None:
    tone = sine(697.0, 0.02, 0.5)
    expected = (0.5 * 32767 * 160 / 2) ** 2
    assert goertzel_power(tone, 697.0) == pytest.approx(expected, rel=0.02)
    assert goertzel_power(tone, 1633.0) < expected / 1000


def test_goertzel_power_matches_the_recurrence() -> None:
    rng = np.random.default_rng(7)
    samples = rng.integers(-20000, 20000, 205)
    freq = 852.0
    coeff = 2 * math.cos(2 * math.pi * freq / RATE)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = float(x) + coeff * s1 - s2, s1
    recurrence = s1 * s1 + s2 * s2 - coeff * s1 * s2
    assert goertzel_power(samples, freq) == pytest.approx(recurrence, rel=1e-9)


@pytest.mark.parametrize("freq", [1000.0, 440.0, 1004.0, 2718.3, 3333.0, 97.5])
def test_dominant_frequency_within_2_hz_on_one_second(freq: float) -> None:
    assert dominant_frequency(sine(freq, 1.0, 0.5)) == pytest.approx(freq, abs=2.0)


def test_dominant_frequency_of_1khz_is_very_accurate() -> None:
    assert dominant_frequency(sine(1000.0, 1.0, 0.5)) == pytest.approx(1000.0, abs=0.1)


def test_dominant_frequency_picks_the_stronger_tone_and_handles_silence() -> None:
    mix = _tone([(600.0, -10.0), (2500.0, -20.0)], 0.5)
    assert dominant_frequency(mix) == pytest.approx(600.0, abs=2.0)
    assert dominant_frequency(silence(0.1)) == 0.0
    with pytest.raises(ValueError, match="at least 4"):
        dominant_frequency(np.zeros(3, dtype=np.int16))


def test_dominant_frequency_other_rates() -> None:
    t = np.arange(48000) / 48000
    tone = (10000 * np.sin(2 * np.pi * 12345.0 * t)).astype(np.int16)
    assert dominant_frequency(tone, rate=48000) == pytest.approx(12345.0, abs=2.0)


def test_rms_dbov() -> None:
    square = np.array([32767, -32768] * 80, dtype=np.int16)
    assert rms_dbov(square) == pytest.approx(0.0, abs=0.01)
    assert rms_dbov(sine(1004.0, 1.0, 1.0)) == pytest.approx(-3.01, abs=0.05)
    assert rms_dbov(sine(1004.0, 1.0, 0.1)) == pytest.approx(-23.01, abs=0.05)
    assert rms_dbov(silence(0.02)) == -math.inf
    assert rms_dbov(np.zeros(0, dtype=np.int16)) == -math.inf


def test_is_silence() -> None:
    assert is_silence(silence(0.02))
    assert is_silence(_tone([(1000.0, -60.0)], 0.02), -50.0)
    assert not is_silence(_tone([(1000.0, -40.0)], 0.02), -50.0)
    assert not is_silence(sine(300.0, 0.02, 0.5))


# -- inband DTMF: detection ------------------------------------------------------------------


@pytest.mark.parametrize("key", list("123A456B789C*0#D"))
def test_every_key_is_detected_once(key: str) -> None:
    signal = np.concatenate((silence(0.05), _digit(key, 0.1), silence(0.05)))
    assert _detect(signal) == key


def test_a_dialled_sequence_with_short_gaps() -> None:
    # 60 ms tones with 60 ms gaps, not aligned to the 20 ms frames.
    keys = "0123456789*#ABCD"
    parts = [silence(0.007)]
    for key in keys:
        parts += [_digit(key, 0.06), silence(0.06)]
    assert _detect(np.concatenate(parts)) == keys


def test_a_repeated_key_needs_the_gap_to_count_twice() -> None:
    twice = np.concatenate((_digit("5", 0.08), silence(0.045), _digit("5", 0.08)))
    assert _detect(twice) == "55"
    held = _digit("5", 1.0)
    assert _detect(held) == "5"


def test_too_short_a_tone_is_not_a_digit() -> None:
    # 25 ms can never fill two consecutive 20 ms frames.
    assert _detect(np.concatenate((silence(0.013), _digit("9", 0.025), silence(0.05)))) == ""


@pytest.mark.parametrize("deviation", [-0.015, 0.015])
def test_frequency_deviation_of_1_5_percent_is_accepted(deviation: float) -> None:
    signal = _tone([(770.0 * (1 + deviation), -10.0), (1336.0 * (1 + deviation), -10.0)], 0.1)
    assert _detect(signal) == "5"


@pytest.mark.parametrize("deviation", [-0.035, 0.035, 0.05])
def test_frequency_deviation_of_3_5_percent_is_rejected(deviation: float) -> None:
    signal = _tone([(770.0 * (1 + deviation), -10.0), (1336.0 * (1 + deviation), -10.0)], 0.1)
    assert _detect(signal) == ""


def test_levels() -> None:
    assert _detect(_digit("8", 0.1, row_db=-30.0, col_db=-30.0)) == "8"
    assert _detect(_digit("8", 0.1, row_db=-40.0, col_db=-40.0)) == ""
    # Near full scale: -3.5 dBov per tone peaks just under clipping.
    assert _detect(_digit("8", 0.1, row_db=-9.5, col_db=-9.5)) == "8"


@pytest.mark.parametrize(("col_db", "found"), [(-17.0, "6"), (-19.0, ""), (-7.0, "6"), (-5.0, "")])
def test_twist_limits(col_db: float, found: str) -> None:
    # Row at -10 dBov: normal twist (high group weaker) up to 8 dB, reverse up to 4 dB.
    assert _detect(_digit("6", 0.1, row_db=-10.0, col_db=col_db)) == found


def test_digit_in_noise() -> None:
    rng = np.random.default_rng(3)
    signal = _digit("#", 0.1, row_db=-15.0, col_db=-15.0).astype(np.float64)
    # White noise 20 dB below the tones.
    noise = rng.normal(0, 32768 * 10 ** (-32 / 20), len(signal))
    assert _detect(np.round(signal + noise).astype(np.int16)) == "#"


def test_classify_rejects_wrong_frame_size() -> None:
    with pytest.raises(ValueError, match="160 samples"):
        InbandDtmfDetector().classify(np.zeros(80, dtype=np.int16))


def test_other_frame_sizes() -> None:
    # 205 samples is the block length of classic Goertzel DTMF receivers at 8 kHz.
    detector = InbandDtmfDetector(frame_samples=205)
    signal = _digit("C", 0.1)
    blocks = (signal[start : start + 205] for start in range(0, len(signal) - 204, 205))
    assert [d for block in blocks for d in detector.feed(block)] == ["C"]


# -- inband DTMF: no false digits ------------------------------------------------------------


def _speech_like(seconds: float, rng: np.random.Generator) -> npt.NDArray[np.int16]:
    """Voiced segments: a gliding fundamental with harmonics shaped by three formants."""
    segment = 1600
    parts = []
    for _ in range(round(seconds * RATE / segment)):
        f0 = rng.uniform(80, 320)
        formants = [
            (rng.uniform(250, 900), rng.uniform(60, 200)),
            (rng.uniform(800, 2300), rng.uniform(80, 250)),
            (rng.uniform(2000, 3300), rng.uniform(100, 300)),
        ]
        t = np.arange(segment) / RATE
        pitch = f0 * (1 + 0.06 * np.sin(2 * np.pi * rng.uniform(2, 7) * t))
        phase = 2 * np.pi * np.cumsum(pitch) / RATE
        voiced = np.zeros(segment)
        for k in range(1, int(3800 / f0)):
            gain = sum(np.exp(-((((k * f0) - f) / b) ** 2)) for f, b in formants) + 0.02
            voiced += gain * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / math.sqrt(k)
        voiced += rng.normal(0, 0.02, segment)
        parts.append(voiced / np.max(np.abs(voiced)) * rng.uniform(2000, 28000))
    return np.round(np.concatenate(parts)).astype(np.int16)


def test_no_digits_in_speech_like_signals() -> None:
    rng = np.random.default_rng(2024)
    assert _detect(_speech_like(60.0, rng)) == ""


def test_no_digits_in_noise() -> None:
    rng = np.random.default_rng(11)
    white = rng.normal(0, 6000, RATE * 20)
    # Brown-ish noise: energy concentrated at low frequencies, like room rumble.
    brown = np.cumsum(rng.normal(0, 300, RATE * 20))
    brown -= np.convolve(brown, np.ones(64) / 64, mode="same")
    for noise in (white, brown):
        assert _detect(np.clip(noise, -32768, 32767).astype(np.int16)) == ""


@pytest.mark.parametrize(
    "freqs",
    [
        [(350.0, -13.0), (440.0, -13.0)],  # dial tone
        [(440.0, -19.0), (480.0, -19.0)],  # ringback
        [(480.0, -24.0), (620.0, -24.0)],  # busy
        [(1000.0, -10.0)],  # beep
        [(697.0, -10.0)],  # a lone row tone
        [(1209.0, -10.0), (1336.0, -10.0)],  # two column tones
        [(697.0, -10.0), (770.0, -10.0), (1209.0, -10.0)],  # two rows and a column
        [(697.0, -10.0), (1209.0, -10.0), (2400.0, -10.0)],  # a digit under a loud third tone
    ],
)
def test_no_digits_in_call_progress_and_near_miss_tones(freqs: list[tuple[float, float]]) -> None:
    assert _detect(_tone(freqs, 1.0)) == ""


def test_music_like_chords_give_no_digits() -> None:
    rng = np.random.default_rng(5)
    parts = []
    for _ in range(100):
        root = 110 * 2 ** (rng.integers(0, 36) / 12)
        chord = [
            (root * 2 ** (step / 12) * h, -20.0 - 6 * h) for step in (0, 4, 7) for h in (1, 2, 3)
        ]
        parts.append(_tone([(f, level) for f, level in chord if f < 3900], 0.2))
    assert _detect(np.concatenate(parts)) == ""


def test_dual_tone_helper_is_detected() -> None:
    assert _detect(dual_tone(941.0, 1477.0, 0.1, 0.5)) == "#"
