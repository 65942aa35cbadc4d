"""G.711 µ-law (PCMU) and A-law (PCMA) as numpy lookup tables, built from the algorithm.

Both laws are piecewise-linear approximations of a logarithm: a sign bit, a 3-bit segment
(the exponent: each segment doubles the step) and a 4-bit position within it. G.711 defines
them on 14-bit (µ-law) and 13-bit (A-law) linear samples; here linear samples are int16, so the
reconstruction values are the standard's scaled by 4 and by 8:

* µ-law: magnitude ``((2 * m + 33) << s) - 33`` (14-bit), largest 8031 -> 32124; the bias of
  33 makes segment 0 start at zero. Every bit is inverted on the wire, so 0xFF and 0x7F are
  +0 and -0, 0x80 is +32124 and 0x00 is -32124.
* A-law: magnitude ``2 * m + 1`` in segment 0 and ``(2 * m + 33) << (s - 1)`` above
  (13-bit), largest 4032 -> 32256; the even bits are inverted on the wire (XOR 0x55) and a set
  sign bit means positive, so 0xD5 is +8, 0x55 is -8, 0xAA is +32256 and 0x2A is -32256.

Encoding picks the code whose decision interval holds the sample; each reconstruction value
is the midpoint of its interval, so the error is at most half a step (before clipping).
µ-law has two zeros, so decoding then encoding maps 0x7F to 0xFF; every other code of either
law survives the round trip.

Decode tables have 256 entries; encode tables 65 536, indexed by the int16 sample viewed as
uint16; the µ-law/A-law transcoding tables are 256-byte ``bytes.translate`` tables.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "alaw_decode",
    "alaw_encode",
    "alaw_to_ulaw",
    "ulaw_decode",
    "ulaw_encode",
    "ulaw_to_alaw",
]

Samples = npt.NDArray[np.int16]

_ULAW_BIAS = 0x84
"""The µ-law bias of 33 in 14-bit units, scaled to 16 bits."""
_ULAW_CLIP = 32767 - _ULAW_BIAS
"""The largest magnitude whose biased value still fits the top segment."""


def _frozen(array: npt.NDArray[np.generic]) -> None:
    array.flags.writeable = False


def _every_int16() -> npt.NDArray[np.int32]:
    """All int16 values, in the order of their uint16 bit patterns (the encode table index)."""
    return np.arange(1 << 16, dtype=np.uint16).view(np.int16).astype(np.int32)


def _build_ulaw_decode() -> Samples:
    inverted = ~np.arange(256, dtype=np.int32) & 0xFF
    segment = (inverted >> 4) & 0x07
    mantissa = inverted & 0x0F
    magnitude = (((mantissa << 3) + _ULAW_BIAS) << segment) - _ULAW_BIAS
    table = np.where(inverted & 0x80, -magnitude, magnitude).astype(np.int16)
    _frozen(table)
    return table


def _build_ulaw_encode() -> npt.NDArray[np.uint8]:
    values = _every_int16()
    biased = np.minimum(np.abs(values), _ULAW_CLIP) + _ULAW_BIAS
    # Segment s >= 1 holds biased values in [128 << s, 256 << s); segment 0 starts at the bias.
    segment = np.zeros_like(biased)
    for s in range(1, 8):
        segment[biased >= 128 << s] = s
    mantissa = (biased >> (segment + 3)) & 0x0F
    sign = np.where(values < 0, 0x80, 0)
    table: npt.NDArray[np.uint8] = (~(sign | (segment << 4) | mantissa) & 0xFF).astype(np.uint8)
    _frozen(table)
    return table


def _build_alaw_decode() -> Samples:
    toggled = np.arange(256, dtype=np.int32) ^ 0x55
    segment = (toggled >> 4) & 0x07
    mantissa = toggled & 0x0F
    # Segments 0 and 1 share one step size; from segment 2 on each step doubles.
    above = ((mantissa << 4) + 0x108) << np.maximum(segment - 1, 0)
    magnitude = np.where(segment == 0, (mantissa << 4) + 8, above)
    table = np.where(toggled & 0x80, magnitude, -magnitude).astype(np.int16)
    _frozen(table)
    return table


def _build_alaw_encode() -> npt.NDArray[np.uint8]:
    values = _every_int16()
    magnitude = np.minimum(np.abs(values), 32767)
    # Segment 0 is [0, 256); segment s >= 1 is [128 << s, 256 << s).
    segment = np.zeros_like(magnitude)
    for s in range(1, 8):
        segment[magnitude >= 128 << s] = s
    mantissa = np.where(segment == 0, magnitude >> 4, (magnitude >> (segment + 3)) & 0x0F)
    sign = np.where(values >= 0, 0x80, 0)
    table: npt.NDArray[np.uint8] = ((sign | (segment << 4) | mantissa) ^ 0x55).astype(np.uint8)
    _frozen(table)
    return table


_ULAW_DECODE = _build_ulaw_decode()
_ULAW_ENCODE = _build_ulaw_encode()
_ALAW_DECODE = _build_alaw_decode()
_ALAW_ENCODE = _build_alaw_encode()
_ULAW_TO_ALAW = _ALAW_ENCODE[_ULAW_DECODE.view(np.uint16)].tobytes()
_ALAW_TO_ULAW = _ULAW_ENCODE[_ALAW_DECODE.view(np.uint16)].tobytes()


def _codes(data: bytes | bytearray | memoryview) -> npt.NDArray[np.uint8]:
    return np.frombuffer(data, dtype=np.uint8)


def _index(samples: npt.ArrayLike) -> npt.NDArray[np.uint16]:
    array = np.asarray(samples)
    if array.dtype != np.int16:
        # Silently casting floats or wider ints would wrap or truncate loud samples.
        raise TypeError(f"G.711 encodes int16 samples, not {array.dtype}")
    return array.view(np.uint16)


def ulaw_decode(data: bytes | bytearray | memoryview) -> Samples:
    """µ-law octets to int16 samples."""
    return _ULAW_DECODE[_codes(data)]


def ulaw_encode(samples: npt.ArrayLike) -> bytes:
    """int16 samples to µ-law octets."""
    return _ULAW_ENCODE[_index(samples)].tobytes()


def alaw_decode(data: bytes | bytearray | memoryview) -> Samples:
    """A-law octets to int16 samples."""
    return _ALAW_DECODE[_codes(data)]


def alaw_encode(samples: npt.ArrayLike) -> bytes:
    """int16 samples to A-law octets."""
    return _ALAW_ENCODE[_index(samples)].tobytes()


def ulaw_to_alaw(data: bytes) -> bytes:
    """Transcode without going through linear samples: one table lookup per octet."""
    return data.translate(_ULAW_TO_ALAW)


def alaw_to_ulaw(data: bytes) -> bytes:
    """Transcode without going through linear samples: one table lookup per octet."""
    return data.translate(_ALAW_TO_ULAW)
