"""Serial-number arithmetic (RFC 1982) and RFC 3550 A.1 sequence tracking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtp.seq import (
    SequenceTracker,
    SeqVerdict,
    uint16_add,
    uint16_diff,
    uint16_gt,
    uint32_add,
    uint32_diff,
    uint32_gt,
)

u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)

# -- arithmetic around the wrap --------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(65535, 1, 0), (65535, 2, 1), (0, -1, 65535), (100, 65536, 100), (1, -3, 65534)],
)
def test_uint16_add_wraps(a: int, b: int, expected: int) -> None:
    assert uint16_add(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (0, 65535, 1),
        (65535, 0, -1),
        (5, 65530, 11),
        (32767, 0, 32767),
        (32768, 0, -32768),
        (0, 32768, -32768),
        (7, 7, 0),
    ],
)
def test_uint16_diff_is_signed_distance(a: int, b: int, expected: int) -> None:
    assert uint16_diff(a, b) == expected


def test_uint16_gt_across_the_wrap() -> None:
    assert uint16_gt(0, 65535)
    assert uint16_gt(10, 65500)
    assert not uint16_gt(65535, 0)
    assert not uint16_gt(5, 5)
    assert uint16_gt(32767, 0)
    # Exactly half the space apart: neither is after the other (RFC 1982 leaves it undefined).
    assert not uint16_gt(32768, 0)
    assert not uint16_gt(0, 32768)


def test_uint32_helpers_across_the_wrap() -> None:
    top = 0xFFFFFFFF
    assert uint32_add(top, 1) == 0
    assert uint32_add(0, -160) == top - 159
    assert uint32_diff(80, top - 79) == 160
    assert uint32_diff(top - 79, 80) == -160
    assert uint32_diff(1 << 31, 0) == -(1 << 31)
    assert uint32_gt(159, top)
    assert not uint32_gt(top, 159)
    assert not uint32_gt(1 << 31, 0)
    assert not uint32_gt(0, 1 << 31)


@given(u16, st.integers(-32768, 32767))
def test_uint16_diff_inverts_add(a: int, delta: int) -> None:
    assert uint16_diff(uint16_add(a, delta), a) == delta


@given(u16, u16)
def test_uint16_add_inverts_diff(a: int, b: int) -> None:
    assert uint16_add(b, uint16_diff(a, b)) == a


@given(u16, u16)
def test_uint16_gt_is_antisymmetric(a: int, b: int) -> None:
    assert not (uint16_gt(a, b) and uint16_gt(b, a))
    assert uint16_gt(a, b) == (uint16_diff(a, b) > 0 and uint16_diff(a, b) != -32768)
    if a != b and (a - b) & 0xFFFF != 0x8000:
        assert uint16_gt(a, b) != uint16_gt(b, a)


@given(u32, st.integers(-(1 << 31), (1 << 31) - 1))
def test_uint32_diff_inverts_add(a: int, delta: int) -> None:
    assert uint32_diff(uint32_add(a, delta), a) == delta


@given(u32, u32)
def test_uint32_gt_is_antisymmetric(a: int, b: int) -> None:
    assert not (uint32_gt(a, b) and uint32_gt(b, a))
    if a != b and (a - b) & 0xFFFFFFFF != 0x80000000:
        assert uint32_gt(a, b) != uint32_gt(b, a)
    assert uint32_add(b, uint32_diff(a, b)) == a


# -- SequenceTracker -------------------------------------------------------------------------


def _feed(tracker: SequenceTracker, seqs: list[int]) -> list[SeqVerdict]:
    return [tracker.update(seq) for seq in seqs]


def test_new_source_needs_two_sequential_packets() -> None:
    tracker = SequenceTracker()
    assert tracker.update(1000) is SeqVerdict.PROBATION
    assert not tracker.validated
    assert tracker.expected == 0
    assert tracker.update(1001) is SeqVerdict.NEW
    assert tracker.validated
    # As in RFC 3550 A.1, counting starts at the packet that completed probation.
    assert (tracker.received, tracker.expected, tracker.lost) == (1, 1, 0)


def test_probation_restarts_on_a_non_sequential_packet() -> None:
    tracker = SequenceTracker()
    assert _feed(tracker, [10, 12, 20, 21]) == [
        SeqVerdict.PROBATION,
        SeqVerdict.PROBATION,
        SeqVerdict.PROBATION,
        SeqVerdict.NEW,
    ]
    assert tracker.max_seq == 21


def test_in_order_stream_across_the_wrap_counts_a_cycle() -> None:
    tracker = SequenceTracker()
    seqs = [uint16_add(65530, i) for i in range(20)]
    verdicts = _feed(tracker, seqs)
    assert verdicts[0] is SeqVerdict.PROBATION
    assert set(verdicts[1:]) == {SeqVerdict.NEW}
    assert tracker.cycles == 1
    assert tracker.max_seq == 13
    assert tracker.extended_max == (1 << 16) | 13
    assert (tracker.received, tracker.expected, tracker.lost) == (19, 19, 0)


def test_losses_across_the_wrap_are_counted() -> None:
    tracker = SequenceTracker()
    # 65534 (probation), 65535 (base) ... then 0 and 1 lost, 2 arrives, 3..5 lost, 6 arrives.
    _feed(tracker, [65534, 65535, 2, 6])
    assert tracker.expected == 8
    assert tracker.received == 3
    assert tracker.lost == 5


def test_reordered_packets_are_old_and_fill_the_loss() -> None:
    tracker = SequenceTracker()
    _feed(tracker, [100, 101, 103, 104])
    assert tracker.lost == 1
    assert tracker.update(102) is SeqVerdict.OLD
    assert tracker.lost == 0
    assert tracker.max_seq == 104


def test_reordering_across_the_wrap() -> None:
    tracker = SequenceTracker()
    _feed(tracker, [65533, 65534, 0, 1])
    assert tracker.update(65535) is SeqVerdict.OLD
    assert tracker.cycles == 1
    assert (tracker.expected, tracker.received, tracker.lost) == (4, 4, 0)


def test_duplicates_are_detected_and_not_counted() -> None:
    tracker = SequenceTracker()
    _feed(tracker, [1, 2, 3, 4])
    assert tracker.update(4) is SeqVerdict.DUPLICATE
    assert tracker.update(3) is SeqVerdict.DUPLICATE
    assert tracker.update(2) is SeqVerdict.DUPLICATE
    assert tracker.duplicates == 3
    assert (tracker.received, tracker.expected) == (3, 3)


def test_a_late_packet_seen_twice_is_old_then_duplicate() -> None:
    tracker = SequenceTracker()
    _feed(tracker, [1, 2, 4])
    assert tracker.update(3) is SeqVerdict.OLD
    assert tracker.update(3) is SeqVerdict.DUPLICATE


def test_lost_never_goes_negative() -> None:
    tracker = SequenceTracker()
    _feed(tracker, [50, 51, 52])
    # Packets from before the base sequence number still count as received.
    assert _feed(tracker, [49, 48, 47]) == [SeqVerdict.OLD] * 3
    assert tracker.received > tracker.expected
    assert tracker.lost == 0


def test_gap_within_dropout_is_loss_not_restart() -> None:
    tracker = SequenceTracker()
    _feed(tracker, [1, 2])
    assert tracker.update(2 + 2999) is SeqVerdict.NEW
    assert tracker.lost == 2998


def test_large_jump_is_confirmed_by_the_next_packet() -> None:
    tracker = SequenceTracker()
    _feed(tracker, [1000, 1001, 1002])
    assert tracker.update(40000) is SeqVerdict.JUMP
    # A straggler of the old stream in between neither breaks the pair nor is lost.
    assert tracker.update(1003) is SeqVerdict.NEW
    assert tracker.update(40001) is SeqVerdict.RESYNC
    assert (tracker.max_seq, tracker.cycles, tracker.received, tracker.lost) == (40001, 0, 1, 0)
    assert tracker.update(40002) is SeqVerdict.NEW
    assert tracker.expected == 2


def test_jumps_that_are_not_sequential_never_resync() -> None:
    tracker = SequenceTracker()
    _feed(tracker, [1000, 1001])
    assert _feed(tracker, [40000, 50000, 20000, 40000]) == [SeqVerdict.JUMP] * 4
    assert tracker.max_seq == 1001


def test_an_isolated_wild_packet_is_dropped() -> None:
    tracker = SequenceTracker()
    _feed(tracker, [10, 11])
    assert tracker.update(30000) is SeqVerdict.JUMP
    assert tracker.update(12) is SeqVerdict.NEW
    assert (tracker.max_seq, tracker.received, tracker.lost) == (12, 2, 0)


def test_misorder_window_edge() -> None:
    tracker = SequenceTracker()
    _feed(tracker, [5000, 5001])
    # A.1: 100 behind (max_misorder) is already a jump; 99 behind is a late packet.
    assert tracker.update(5001 - 100) is SeqVerdict.JUMP
    assert tracker.update(5001 - 99) is SeqVerdict.OLD
    assert tracker.update(5001 - 99) is SeqVerdict.DUPLICATE


def test_rejects_out_of_range_input() -> None:
    with pytest.raises(ValueError, match="out of range"):
        SequenceTracker().update(65536)
    with pytest.raises(ValueError, match="limits"):
        SequenceTracker(max_dropout=0)


@given(st.lists(u16, max_size=200))
def test_tracker_invariants_hold_on_any_input(seqs: list[int]) -> None:
    tracker = SequenceTracker()
    for seq in seqs:
        tracker.update(seq)
        assert tracker.lost >= 0
        assert tracker.received >= 0
        assert 0 <= tracker.max_seq <= 0xFFFF


@given(st.integers(0, 0xFFFF), st.sets(st.integers(2, 399), max_size=100))
def test_loss_count_matches_the_packets_dropped(start: int, dropped: set[int]) -> None:
    tracker = SequenceTracker()
    total = 401
    for i in range(total):
        if i not in dropped:
            tracker.update(uint16_add(start, i))
    # Index 0 is the probation packet; counting starts at index 1.
    assert tracker.expected == total - 1
    assert tracker.lost == len(dropped)
