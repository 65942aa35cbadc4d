"""G.711 µ-law and A-law against the definitions of ITU-T G.711.

The reference points are derived from the standard's tables (µ-law: 14-bit reconstruction
values ``(2m + 33) * 2**s - 33``, largest 8031; A-law: 13-bit ``2m + 1`` in segment 0 and
``(2m + 33) * 2**(s - 1)`` above, largest 4032), scaled to int16 by 4 and by 8.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from media.g711 import (
    alaw_decode,
    alaw_encode,
    alaw_to_ulaw,
    ulaw_decode,
    ulaw_encode,
    ulaw_to_alaw,
)
from media.tones import sine

ALL_CODES = bytes(range(256))
EVERY_SAMPLE = np.arange(-32768, 32768, dtype=np.int16)


def _ulaw_reference(code: int) -> int:
    """Straight from the standard: invert all bits, then sign, segment, mantissa."""
    inverted = code ^ 0xFF
    sign, segment, mantissa = inverted >> 7, (inverted >> 4) & 7, inverted & 15
    magnitude = ((2 * mantissa + 33) << segment) - 33
    return 4 * (-magnitude if sign else magnitude)


def _alaw_reference(code: int) -> int:
    """Straight from the standard: invert the even bits; a set sign bit means positive."""
    toggled = code ^ 0x55
    sign, segment, mantissa = toggled >> 7, (toggled >> 4) & 7, toggled & 15
    magnitude = 2 * mantissa + 1 if segment == 0 else (2 * mantissa + 33) << (segment - 1)
    return 8 * (magnitude if sign else -magnitude)


# -- known values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value"),
    [(0xFF, 0), (0x7F, 0), (0x00, -32124), (0x80, 32124), (0xFE, 8), (0x7E, -8), (0xEF, 132)],
)
def test_ulaw_known_values(code: int, value: int) -> None:
    assert int(ulaw_decode(bytes([code]))[0]) == value


@pytest.mark.parametrize(
    ("code", "value"),
    [(0xD5, 8), (0x55, -8), (0x2A, -32256), (0xAA, 32256), (0xD4, 24), (0xC5, 264)],
)
def test_alaw_known_values(code: int, value: int) -> None:
    assert int(alaw_decode(bytes([code]))[0]) == value


def test_decode_tables_match_the_standard_for_every_code() -> None:
    assert ulaw_decode(ALL_CODES).tolist() == [_ulaw_reference(c) for c in range(256)]
    assert alaw_decode(ALL_CODES).tolist() == [_alaw_reference(c) for c in range(256)]


def test_decoded_ranges() -> None:
    ulaw = ulaw_decode(ALL_CODES)
    alaw = alaw_decode(ALL_CODES)
    assert ulaw.dtype == np.int16
    assert alaw.dtype == np.int16
    assert (int(ulaw.min()), int(ulaw.max())) == (-32124, 32124)
    assert (int(alaw.min()), int(alaw.max())) == (-32256, 32256)
    # µ-law has 255 distinct levels (two zeros); A-law 256 and none of them zero.
    assert len(set(ulaw.tolist())) == 255
    assert len(set(alaw.tolist())) == 256
    assert 0 not in alaw.tolist()


# -- round trips -----------------------------------------------------------------------------


def test_alaw_encode_decode_is_identity_on_all_codes() -> None:
    assert alaw_encode(alaw_decode(ALL_CODES)) == ALL_CODES


def test_ulaw_encode_decode_is_identity_except_negative_zero() -> None:
    round_trip = ulaw_encode(ulaw_decode(ALL_CODES))
    differing = [c for c in range(256) if round_trip[c] != c]
    # 0x7F decodes to 0, and 0 encodes to the positive zero 0xFF.
    assert differing == [0x7F]
    assert round_trip[0x7F] == 0xFF


def _ulaw_step(value: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
    """The µ-law step size (16-bit units) of the segment holding each value."""
    biased = np.minimum(np.abs(value.astype(np.int64)), 32635) + 132
    segment = np.floor(np.log2(biased)).astype(np.int64) - 7
    step: npt.NDArray[np.int64] = 8 << segment
    return step


def _alaw_step(value: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
    """The A-law step size (16-bit units) of the segment holding each value."""
    magnitude = np.abs(value.astype(np.int64))
    segment = np.maximum(np.floor(np.log2(np.maximum(magnitude, 1))).astype(np.int64) - 7, 1)
    step: npt.NDArray[np.int64] = 8 << segment
    return step


def test_ulaw_quantisation_error_is_at_most_half_a_step() -> None:
    decoded = ulaw_decode(ulaw_encode(EVERY_SAMPLE)).astype(np.int64)
    error = np.abs(decoded - EVERY_SAMPLE)
    inside = np.abs(EVERY_SAMPLE.astype(np.int64)) <= 32635
    assert np.all(error[inside] <= _ulaw_step(EVERY_SAMPLE[inside]) // 2)
    # Beyond the top decision value the output saturates at the largest level.
    assert np.all(np.abs(decoded[~inside]) == 32124)


def test_alaw_quantisation_error_is_at_most_half_a_step() -> None:
    decoded = alaw_decode(alaw_encode(EVERY_SAMPLE)).astype(np.int64)
    error = np.abs(decoded - EVERY_SAMPLE)
    assert np.all(error <= _alaw_step(EVERY_SAMPLE) // 2)
    assert int(error.max()) == 512


def test_error_per_segment_is_exactly_what_the_law_allows() -> None:
    samples = EVERY_SAMPLE.astype(np.int64)
    magnitude = np.abs(samples)
    u_error = np.abs(ulaw_decode(ulaw_encode(EVERY_SAMPLE)).astype(np.int64) - samples)
    a_error = np.abs(alaw_decode(alaw_encode(EVERY_SAMPLE)).astype(np.int64) - samples)
    for segment in range(8):
        # µ-law segments in biased magnitude (|x| + 132): [128 << s, 256 << s), half step 4 << s.
        low, high = max((128 << segment) - 132, 0), min((256 << segment) - 132, 32636)
        in_segment = (magnitude >= low) & (magnitude < high)
        assert int(u_error[in_segment].max()) == 4 << segment
        # A-law: segment 0 is [0, 256) with the same step as segment 1.
        low = 0 if segment == 0 else 128 << segment
        in_segment = (magnitude >= low) & (magnitude < (256 << segment))
        assert int(a_error[in_segment].max()) == 4 << max(segment, 1)


def test_encoding_is_monotonic() -> None:
    u = ulaw_decode(ulaw_encode(EVERY_SAMPLE)).astype(np.int64)
    a = alaw_decode(alaw_encode(EVERY_SAMPLE)).astype(np.int64)
    assert np.all(np.diff(u) >= 0)
    assert np.all(np.diff(a) >= 0)
    # And the decoded level sequence, ordered by code, is monotonic within each sign half.
    ulaw = ulaw_decode(ALL_CODES).astype(np.int64)
    assert np.all(np.diff(ulaw[:128]) > 0)
    assert np.all(np.diff(ulaw[128:]) < 0)


def test_encoding_is_symmetric() -> None:
    positive = np.arange(1, 32768, dtype=np.int16)
    negative = -positive
    assert np.array_equal(ulaw_decode(ulaw_encode(positive)), -ulaw_decode(ulaw_encode(negative)))
    assert np.array_equal(alaw_decode(alaw_encode(positive)), -alaw_decode(alaw_encode(negative)))


def test_extremes() -> None:
    extremes = np.array([-32768, -32767, 32767, 0], dtype=np.int16)
    assert ulaw_encode(extremes) == bytes([0x00, 0x00, 0x80, 0xFF])
    assert alaw_encode(extremes) == bytes([0x2A, 0x2A, 0xAA, 0xD5])


# -- transcoding -----------------------------------------------------------------------------


def test_transcoding_tables_are_decode_then_encode() -> None:
    assert ulaw_to_alaw(ALL_CODES) == alaw_encode(ulaw_decode(ALL_CODES))
    assert alaw_to_ulaw(ALL_CODES) == ulaw_encode(alaw_decode(ALL_CODES))


@pytest.mark.parametrize(
    ("there", "back", "decode"),
    [(ulaw_to_alaw, alaw_to_ulaw, ulaw_decode), (alaw_to_ulaw, ulaw_to_alaw, alaw_decode)],
)
def test_transcoding_round_trip_stays_within_one_coarse_step(
    there: Callable[[bytes], bytes],
    back: Callable[[bytes], bytes],
    decode: Callable[[bytes], npt.NDArray[np.int16]],
) -> None:
    original = decode(ALL_CODES).astype(np.int64)
    returned = decode(back(there(ALL_CODES))).astype(np.int64)
    step = np.maximum(_ulaw_step(original), _alaw_step(original))
    assert np.all(np.abs(returned - original) <= step)
    # Most levels exist in both laws closely enough to come back exactly.
    assert int(np.sum(returned == original)) >= 240


def test_transcoding_a_twice_is_stable() -> None:
    once = ulaw_to_alaw(alaw_to_ulaw(ALL_CODES))
    assert ulaw_to_alaw(alaw_to_ulaw(once)) == once


# -- API edges -------------------------------------------------------------------------------


def test_encoders_insist_on_int16() -> None:
    with pytest.raises(TypeError, match="int16"):
        ulaw_encode(np.zeros(4, dtype=np.float64))
    with pytest.raises(TypeError, match="int16"):
        alaw_encode(np.zeros(4, dtype=np.int32))


def test_empty_input() -> None:
    assert ulaw_encode(np.zeros(0, dtype=np.int16)) == b""
    assert len(alaw_decode(b"")) == 0
    assert ulaw_to_alaw(b"") == b""


def test_non_contiguous_input() -> None:
    samples = np.arange(-1000, 1000, dtype=np.int16)[::3]
    assert ulaw_encode(samples) == ulaw_encode(samples.copy())


@given(hnp.arrays(np.int16, st.integers(0, 400)))
def test_encode_is_idempotent_after_one_pass(samples: npt.NDArray[np.int16]) -> None:
    once = ulaw_decode(ulaw_encode(samples))
    assert np.array_equal(ulaw_decode(ulaw_encode(once)), once)
    once = alaw_decode(alaw_encode(samples))
    assert np.array_equal(alaw_decode(alaw_encode(once)), once)


def _snr_db(original: npt.NDArray[np.int16], decoded: npt.NDArray[np.int16]) -> float:
    signal = np.sum(original.astype(np.float64) ** 2)
    noise = np.sum((decoded.astype(np.float64) - original) ** 2)
    return float(10 * np.log10(signal / noise))


@pytest.mark.parametrize("amplitude", [0.9, 0.5, 0.1, 0.02])
def test_1khz_sine_snr_above_35_db(amplitude: float) -> None:
    # 1004 Hz is the nominal 1 kHz test tone of telephony: an exact 1000 Hz at 8 kHz visits
    # only four sample values, so its error depends on where those happen to fall rather
    # than measuring the law (at half scale it gives 33.8 dB for µ-law).
    tone = sine(1004.0, 1.0, amplitude)
    assert _snr_db(tone, ulaw_decode(ulaw_encode(tone))) > 35
    assert _snr_db(tone, alaw_decode(alaw_encode(tone))) > 35
