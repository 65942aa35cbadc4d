"""The media plane's parts without the loop: port pool, stream numbering, taps, playback
pacing, clips and RTCP, with a scripted clock where time matters."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import numpy as np
import pytest
import soundfile  # type: ignore[import-untyped]

from media.g711 import alaw_encode, ulaw_encode
from media.goertzel import dominant_frequency
from media.tones import sine
from rtp.rtcp import ReportBlock, SenderReport, SourceDescription, parse_compound
from rtp.seq import uint16_add, uint16_diff, uint32_diff
from softswitch.mediaplane.player import Clip, ClipCache, Playback, tone_clip
from softswitch.mediaplane.ports import PortPool, PortsExhausted
from softswitch.mediaplane.protocol import Codec, Configure
from softswitch.mediaplane.recorder import Tap, decode_frames
from softswitch.mediaplane.streams import Stream

ROOT = Path(__file__).resolve().parents[2]


def _stream(pool: PortPool, stream_id: int = 1) -> Stream:
    return Stream(stream_id, pool.bind("127.0.0.1"), socket.AF_INET)


def _configure(stream: Stream, port: int = 5004, now: float = 0.0, **extra: object) -> None:
    fields: dict[str, object] = {
        "request_id": 1,
        "stream_id": stream.stream_id,
        "remote_host": "127.0.0.1",
        "remote_port": port,
        "codec": "PCMU",
        "payload_type": 0,
    }
    fields.update(extra)
    stream.configure(Configure(**fields), now)  # type: ignore[arg-type]


@pytest.fixture
def pool() -> PortPool:
    base = 47000 + 40 * (hash(object()) % 100)
    return PortPool(base, base + 9)


def test_pool_hands_out_even_ports_and_skips_ones_taken(pool: PortPool) -> None:
    assert (pool.total, pool.free) == (5, 5)
    squatter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    squatter.bind(("127.0.0.1", pool.port_min + 1))
    try:
        pairs = [pool.bind("127.0.0.1") for _ in range(4)]
        # The first pair's RTCP port was taken by someone else, so that pair was skipped.
        assert [p.port for p in pairs] == [pool.port_min + 2 * i for i in (1, 2, 3, 4)]
        with pytest.raises(PortsExhausted, match="4 of 5 in use"):
            pool.bind("127.0.0.1")
    finally:
        squatter.close()
    for pair in pairs:
        pool.release(pair)
    assert pool.free == 5
    with pytest.raises(ValueError, match="no even/odd port pair"):
        PortPool(10001, 10001)


def _sent(stream: Stream, epoch: int, seq: int, ts: int, now: float) -> tuple[int, int, bool]:
    """What the engine does per relayed packet: map it, then note that it went out."""
    mapped = stream.forward(epoch, seq, ts, now)
    stream.sent_at = now
    return mapped


def test_relayed_numbering_continues_across_sources(pool: PortPool) -> None:
    stream = _stream(pool)
    _configure(stream)
    first_seq = uint16_add(stream.seq, 1)
    seq, ts, marker = _sent(stream, 1, 100, 8000, now=10.0)
    assert (seq, marker) == (first_seq, True)
    seq2, ts2, marker2 = _sent(stream, 1, 101, 8160, now=10.02)
    assert (uint16_diff(seq2, seq), uint32_diff(ts2, ts), marker2) == (1, 160, False)
    # A late packet keeps its place, and does not move "the newest" back.
    late_seq, _, _ = stream.forward(1, 99, 7840, now=10.03)
    assert uint16_diff(late_seq, seq) == -1
    # Another source a second later: next sequence number, timestamp a second on, marker.
    seq3, ts3, marker3 = _sent(stream, 2, 40000, 123, now=11.02)
    assert (uint16_diff(seq3, seq2), marker3) == (1, True)
    assert uint32_diff(ts3, ts2) == 8000
    pool.release(stream.pair)


def test_local_audio_after_relay_keeps_numbering_and_marks_the_switch(pool: PortPool) -> None:
    stream = _stream(pool)
    _configure(stream)
    seq, ts, _ = _sent(stream, 1, 5, 50, now=1.0)
    local = [stream.next_local(now=1.02 + 0.02 * i) for i in range(3)]
    stream.sent_at = 1.06
    assert [uint16_diff(s, seq) for s, _, _ in local] == [1, 2, 3]
    assert [uint32_diff(t, ts) for _, t, _ in local] == [160, 320, 480]
    assert [m for _, _, m in local] == [True, False, False]
    back_seq, _, back_marker = _sent(stream, 1, 6, 210, now=1.08)
    assert (uint16_diff(back_seq, local[-1][0]), back_marker) == (1, True)
    pool.release(stream.pair)


def test_configure_relatches_and_reports_the_learned_address(pool: PortPool) -> None:
    stream = _stream(pool)
    _configure(stream, port=5004)
    assert stream.remote == ("127.0.0.1", 5004)
    assert stream.latch(("127.0.0.1", 6000)) is True
    assert stream.stats(0.0).remote_learned == ("127.0.0.1", 6000)
    _configure(stream, port=5004, direction="recvonly")
    assert stream.rx_from is None
    assert (stream.sending, stream.receiving) == (False, True)
    # Same SDP address: keep sending where the media really came from until it latches anew.
    assert stream.remote == ("127.0.0.1", 6000)
    _configure(stream, port=7000)
    assert stream.remote == ("127.0.0.1", 7000)
    with pytest.raises(ValueError, match="IPv4"):
        _configure(stream, port=7000, remote_host="::1")
    pool.release(stream.pair)


def test_rtcp_report_describes_what_was_sent_and_received(pool: PortPool) -> None:
    stream = _stream(pool)
    _configure(stream)
    stream.restart_rx(0xABCD, 1000, 1)
    stream.rx_ext_max, stream.rx_max_seq, stream.rx_count = 1009, 1009, 8
    for i in range(50):
        stream.next_local(now=0.02 * i)
    stream.packets_sent, stream.bytes_sent, stream.sent_at = 50, 50 * 172, 1.0
    assert stream.rtcp_remote == ("127.0.0.1", 5005)
    theirs = SenderReport(
        ssrc=0xABCD,
        ntp_timestamp=0x1234_5678_9ABC_DEF0,
        rtp_timestamp=0,
        packet_count=0,
        octet_count=0,
    )
    assert stream.on_rtcp(theirs.to_bytes(), ("127.0.0.1", 40001), 0.5)
    assert not stream.on_rtcp(b"\x00junk", ("127.0.0.1", 40001), 0.5)
    sr, sdes = parse_compound(stream.rtcp_report(1.0, 1_700_000_000.0, "test@host"))
    assert isinstance(sr, SenderReport)
    assert isinstance(sdes, SourceDescription)
    assert (sr.ssrc, sr.packet_count, sr.octet_count, sr.rtp_timestamp) == (
        stream.ssrc,
        50,
        8000,
        stream.ts,
    )
    assert sr.reports == (
        ReportBlock(
            ssrc=0xABCD,
            fraction_lost=51,
            cumulative_lost=2,
            highest_sequence=1009,
            lsr=0x5678_9ABC,
            dlsr=32768,
        ),
    )
    assert sdes.chunks[0].cname == "test@host"
    # Behind NAT the RTCP mapping is its own: reports go back where the peer's came from.
    assert stream.rtcp_remote == ("127.0.0.1", 40001)
    pool.release(stream.pair)


def _payload(freq: float, n: int) -> bytes:
    return ulaw_encode(sine(freq, 0.02 * (n + 1))[160 * n : 160 * (n + 1)])


def test_tap_reorders_fills_losses_and_recuts_any_ptime() -> None:
    tap = Tap(codec="PCMU", samples_per_packet=240)
    tone = sine(1000.0, 1.0)
    packets = [(i, 240 * i, ulaw_encode(tone[240 * i : 240 * (i + 1)])) for i in range(30)]
    order = [*packets[:5], packets[6], packets[5], *packets[7:12], *packets[13:]]
    now = 0.0
    out = []
    for seq, ts, payload in order:
        tap.push(seq=seq, timestamp=ts, ssrc=7, payload=payload, codec="PCMU", now=now)
        if seq % 3 == 0:
            # 30 ms packets, 20 ms ticks: two ticks for every three packets... roughly.
            out.append(tap.pull(now))
            out.append(tap.pull(now))
        now += 0.03
    assert all(frame is None or len(frame) == 160 for frame in out)
    audio = decode_frames("PCMU", out)
    assert abs(dominant_frequency(audio) - 1000.0) < 20
    # The lost packet (12) is 240 samples of silence somewhere in the middle.
    assert (np.abs(audio) < 64).sum() >= 200


def test_tap_without_packets_is_silence() -> None:
    tap = Tap(codec="PCMA", samples_per_packet=160)
    assert tap.pull(0.0) is None
    # A-law has no zero code: a tick nothing was heard in is written as exact zeros anyway.
    assert not decode_frames("PCMA", [None, tap.pull(0.02)]).any()


def test_tap_keeps_one_law_whatever_the_packets_use() -> None:
    tap = Tap(codec="PCMA", samples_per_packet=160)
    tone = sine(400.0, 0.1)
    for n in range(5):
        frame = tone[160 * n : 160 * (n + 1)]
        codec: Codec = "PCMU" if n % 2 else "PCMA"
        payload = ulaw_encode(frame) if codec == "PCMU" else alaw_encode(frame)
        tap.push(seq=n, timestamp=160 * n, ssrc=1, payload=payload, codec=codec, now=0.02 * n)
    frames = [tap.pull(0.1 + 0.02 * n) for n in range(5)]
    audio = decode_frames("PCMA", frames)
    # Within G.711 quantisation (steps of 1024 near this -6 dBov peak), both laws agree.
    assert np.abs(audio.astype(np.int32) - tone[:800]).max() < 1200


def test_playback_paces_by_absolute_deadlines_and_pads_the_end() -> None:
    clip = Clip(np.arange(400, dtype=np.int16))
    playback = Playback(play_id=1, stream=None, clip=clip, loop=False, t0=10.0)  # type: ignore[arg-type]
    assert playback.due(9.99, 0.02) == 0
    assert playback.due(10.0, 0.02) == 1
    frames = [playback.next_frame("PCMU", 160)]
    # A tick 50 ms late owes the two packets that came due meanwhile, not one.
    assert playback.due(10.05, 0.02) == 2
    frames += [playback.next_frame("PCMU", 160) for _ in range(2)]
    assert playback.finished
    assert [len(f) for f in frames] == [160, 160, 160]
    assert frames[2][80:] == b"\xff" * 80
    # A stall longer than the burst allowance restarts the schedule instead of flooding.
    looping = Playback(play_id=2, stream=None, clip=clip, loop=True, t0=0.0)  # type: ignore[arg-type]
    assert looping.due(1.0, 0.02) == 1
    looping.next_frame("PCMA", 160)
    assert looping.due(1.02, 0.02) == 1


def test_looping_playback_wraps_around_the_clip() -> None:
    clip = Clip(np.zeros(100, dtype=np.int16))
    playback = Playback(play_id=1, stream=None, clip=clip, loop=True, t0=0.0)  # type: ignore[arg-type]
    frames = [playback.next_frame("PCMU", 160) for _ in range(5)]
    assert all(len(f) == 160 for f in frames)
    assert not playback.finished


def test_tones_have_their_cadence() -> None:
    ringback, loops = tone_clip("ringback")
    assert loops
    assert len(ringback) == 6 * 8000
    assert abs(dominant_frequency(ringback.samples[:16000]) - 460) < 25
    assert not ringback.samples[16000:].any()
    beep, loops = tone_clip("beep")
    assert not loops
    assert abs(dominant_frequency(beep.samples) - 1000) < 20


def test_clip_cache_reloads_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "greeting.wav"
    soundfile.write(path, sine(500.0, 0.5), 8000, subtype="PCM_16")
    cache = ClipCache()
    first = cache.get(str(path))
    assert cache.get(str(path)) is first
    soundfile.write(path, sine(700.0, 0.25), 8000, subtype="PCM_16")
    second = cache.get(str(path))
    assert second is not first
    assert len(second) == 2000
    assert len(cache) == 2


def test_clip_cache_evicts_the_least_recently_used(tmp_path: Path) -> None:
    cache = ClipCache(max_samples=10000)
    paths = []
    for i in range(3):
        path = str(tmp_path / f"{i}.wav")
        soundfile.write(path, sine(400.0, 0.5), 8000, subtype="PCM_16")
        paths.append(path)
    for path in paths:
        cache.get(path)
    assert len(cache) == 2


def test_media_plane_imports_neither_sip_nor_web_nor_database() -> None:
    forbidden = {"sip", "aiohttp", "sqlalchemy", "http_api", "dialplan_engine"}
    for path in sorted((ROOT / "softswitch" / "mediaplane").glob("*.py")):
        tree = ast.parse(path.read_text())
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
                if node.module == "softswitch":
                    names.add("softswitch")
        assert not names & forbidden, f"{path.name} imports {sorted(names & forbidden)}"
        inner = {
            n.module
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("softswitch.")
        }
        assert all(m.startswith("softswitch.mediaplane") for m in inner), path.name
