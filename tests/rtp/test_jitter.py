"""The terminated-media jitter buffer, driven by a scripted 20 ms clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtp.jitter import JitterBuffer, PutResult
from rtp.seq import uint16_add, uint32_add

SSRC = 0x1234


def _frame(index: int) -> bytes:
    return index.to_bytes(4, "big")


def _put(
    jb: JitterBuffer,
    index: int,
    arrival: float,
    *,
    seq0: int = 0,
    ts0: int = 0,
    ssrc: int = SSRC,
) -> PutResult:
    return jb.put(
        seq=uint16_add(seq0, index),
        timestamp=uint32_add(ts0, index * 160),
        payload=_frame(index),
        arrival=arrival,
        ssrc=ssrc,
    )


def _tick(jb: JitterBuffer, tick: int) -> bytes | None:
    return jb.get(tick * 0.02)


def test_nothing_plays_until_the_target_depth_is_queued() -> None:
    jb = JitterBuffer(depth=3)
    assert jb.get(0.0) is None
    _put(jb, 0, 0.0)
    _put(jb, 1, 0.005)
    assert jb.get(0.01) is None
    _put(jb, 2, 0.015)
    assert jb.get(0.02) == _frame(0)
    assert jb.get(0.04) == _frame(1)
    assert jb.get(0.06) == _frame(2)
    assert jb.buffered == 0


def test_a_lone_packet_plays_after_waiting_the_depth() -> None:
    jb = JitterBuffer(depth=3)
    _put(jb, 0, 0.0)
    assert jb.get(0.02) is None
    assert jb.get(0.04) is None
    assert jb.get(0.06) == _frame(0)


def test_out_of_order_within_the_depth_plays_in_order() -> None:
    jb = JitterBuffer(depth=3)
    for index in (1, 0, 3, 2, 5, 4):
        result = _put(jb, index, 0.0)
        assert result is (PutResult.REORDERED if index % 2 == 0 else PutResult.QUEUED)
    assert [jb.get(0.1 + i * 0.02) for i in range(6)] == [_frame(i) for i in range(6)]
    assert jb.reordered == 3
    assert (jb.lost, jb.late, jb.duplicates) == (0, 0, 0)


def test_duplicates_queued_or_played_are_dropped() -> None:
    jb = JitterBuffer(depth=2)
    _put(jb, 0, 0.0)
    _put(jb, 1, 0.02)
    assert _put(jb, 1, 0.021) is PutResult.DUPLICATE
    assert jb.get(0.04) == _frame(0)
    assert _put(jb, 0, 0.05) is PutResult.DUPLICATE
    assert jb.duplicates == 2
    assert jb.get(0.06) == _frame(1)
    assert jb.late == 0


def test_a_lost_packet_is_concealed_and_a_late_one_dropped() -> None:
    jb = JitterBuffer(depth=2)
    for index in (0, 1, 3, 4):
        _put(jb, index, index * 0.02)
    out = [_tick(jb, t) for t in range(4, 9)]
    assert out == [_frame(0), _frame(1), None, _frame(3), _frame(4)]
    assert jb.lost == 1
    assert _put(jb, 2, 0.2) is PutResult.LATE
    assert jb.late == 1


def test_running_dry_waits_instead_of_counting_loss() -> None:
    jb = JitterBuffer(depth=2)
    _put(jb, 0, 0.0)
    _put(jb, 1, 0.02)
    assert [_tick(jb, t) for t in (1, 2)] == [_frame(0), _frame(1)]
    # Silence suppression: a second without packets, then the talk spurt resumes with the
    # next sequence number and a timestamp that jumped ahead.
    assert all(_tick(jb, t) is None for t in range(3, 53))
    jb.put(seq=2, timestamp=160 * 52, payload=_frame(2), arrival=1.04, ssrc=SSRC)
    jb.put(seq=3, timestamp=160 * 53, payload=_frame(3), arrival=1.06, ssrc=SSRC)
    assert [_tick(jb, t) for t in (54, 55)] == [_frame(2), _frame(3)]
    assert (jb.lost, jb.resets) == (0, 0)


def test_packets_lost_while_dry_are_counted_when_the_stream_resumes() -> None:
    jb = JitterBuffer(depth=1)
    _put(jb, 0, 0.0)
    assert _tick(jb, 1) == _frame(0)
    assert _tick(jb, 2) is None
    _put(jb, 3, 0.07)
    assert _tick(jb, 4) == _frame(3)
    assert jb.lost == 2


def test_sequence_wraparound_is_seamless() -> None:
    jb = JitterBuffer(depth=2)
    for index in range(6):
        _put(jb, index, index * 0.02, seq0=65533, ts0=0xFFFFFE00)
    assert [_tick(jb, t) for t in range(2, 8)] == [_frame(i) for i in range(6)]
    assert (jb.lost, jb.resets) == (0, 0)


def test_reorder_across_the_wrap() -> None:
    jb = JitterBuffer(depth=3)
    for index in (0, 2, 1, 3):
        _put(jb, index, 0.0, seq0=65534)
    assert [_tick(jb, t) for t in range(1, 5)] == [_frame(i) for i in range(4)]
    assert jb.reordered == 1


def test_ssrc_change_flushes_and_restarts() -> None:
    jb = JitterBuffer(depth=2)
    for index in range(3):
        _put(jb, index, index * 0.02)
    assert _tick(jb, 3) == _frame(0)
    # Transfer: a new source with unrelated sequence and timestamp.
    assert _put(jb, 100, 0.07, seq0=9000, ssrc=0x9999) is PutResult.QUEUED
    assert jb.resets == 1
    assert jb.buffered == 1
    _put(jb, 101, 0.08, seq0=9000, ssrc=0x9999)
    assert _tick(jb, 5) == _frame(100)
    assert _tick(jb, 6) == _frame(101)


def test_big_timestamp_jump_with_same_ssrc_resets() -> None:
    jb = JitterBuffer(depth=2, max_jump=2.0)
    _put(jb, 0, 0.0)
    _put(jb, 1, 0.02)
    jb.put(seq=2, timestamp=160 * 2 + 8000 * 3, payload=b"x", arrival=0.04, ssrc=SSRC)
    assert jb.resets == 1
    assert jb.buffered == 1


def test_sequence_restart_with_same_ssrc_resets() -> None:
    jb = JitterBuffer(depth=2)
    _put(jb, 0, 0.0, seq0=1000)
    _put(jb, 1, 0.02, seq0=1000)
    assert _put(jb, 0, 0.04, seq0=20000, ts0=320) is PutResult.QUEUED
    assert jb.resets == 1


def test_overflow_drops_the_oldest() -> None:
    jb = JitterBuffer(depth=2, max_packets=4)
    for index in range(6):
        _put(jb, index, 0.0)
    assert jb.overflows == 2
    assert jb.buffered == 4
    assert [_tick(jb, t) for t in range(1, 5)] == [_frame(i) for i in range(2, 6)]
    assert jb.lost == 0


def test_overflow_while_playing_skips_ahead() -> None:
    jb = JitterBuffer(depth=1, max_packets=3)
    _put(jb, 0, 0.0)
    assert _tick(jb, 1) == _frame(0)
    # Packet 1 is missing and the sender runs ahead until the buffer overflows past it.
    for index in range(2, 6):
        _put(jb, index, 0.03)
    assert jb.overflows == 1
    assert [_tick(jb, t) for t in range(2, 5)] == [_frame(3), _frame(4), _frame(5)]
    assert _put(jb, 2, 0.1) is PutResult.LATE


def test_invalid_settings() -> None:
    with pytest.raises(ValueError, match="depth"):
        JitterBuffer(depth=0)
    with pytest.raises(ValueError, match="depth"):
        JitterBuffer(depth=5, max_packets=4)
    with pytest.raises(ValueError, match="positive"):
        JitterBuffer(ptime=0.0)


@given(
    st.permutations(list(range(30))),
    st.sets(st.integers(0, 29), max_size=10),
    st.sets(st.integers(0, 29), max_size=10),
    st.integers(0, 0xFFFF),
)
def test_output_is_always_in_order_and_every_frame_accounted_for(
    order: list[int], dropped: set[int], doubled: set[int], seq0: int
) -> None:
    jb = JitterBuffer(depth=3)
    played: list[int] = []
    results: dict[int, list[PutResult]] = {}
    tick = 0

    def play() -> None:
        nonlocal tick
        frame = _tick(jb, tick)
        if frame is not None:
            played.append(int.from_bytes(frame, "big"))
        tick += 1

    # Packets arrive shuffled in bursts of three, one burst per tick.
    arrivals = [i for i in order if i not in dropped]
    for start in range(0, len(arrivals), 3):
        for index in arrivals[start : start + 3]:
            for _ in range(2 if index in doubled else 1):
                results.setdefault(index, []).append(_put(jb, index, tick * 0.02, seq0=seq0))
        play()
    for _ in range(40):
        play()
    assert played == sorted(set(played))
    assert jb.buffered == 0
    for index, outcomes in results.items():
        # The first copy is queued or late; later copies are never queued again.
        assert outcomes[0] in (PutResult.QUEUED, PutResult.REORDERED, PutResult.LATE)
        assert all(o in (PutResult.DUPLICATE, PutResult.LATE) for o in outcomes[1:])
        assert (index in played) == (outcomes[0] is not PutResult.LATE)
    assert jb.late == sum(o is PutResult.LATE for out in results.values() for o in out)
    assert jb.duplicates == sum(o is PutResult.DUPLICATE for out in results.values() for o in out)
