"""The control-socket codec: every message round-trips, framing copes with any split, and
nothing but our own messages can be decoded."""

from __future__ import annotations

import pickle
import struct

import pytest

from softswitch.mediaplane import protocol as p

MESSAGES: list[p.Message] = [
    p.Allocate(request_id=1, stream_id=2, local_host="192.0.2.1"),
    p.Configure(
        request_id=2,
        stream_id=2,
        remote_host="198.51.100.7",
        remote_port=40000,
        codec="PCMA",
        payload_type=8,
        dtmf_payload_type=101,
        ptime_ms=30,
        symmetric=False,
        direction="recvonly",
        rtp_timeout_s=30.0,
    ),
    p.Configure(
        request_id=3, stream_id=2, remote_host=None, remote_port=None, codec="PCMU", payload_type=0
    ),
    p.Bridge(request_id=4, bridge_id=1, stream_ids=(2, 3)),
    p.Unbridge(request_id=5, bridge_id=1),
    p.Play(request_id=6, stream_id=2, play_id=9, path="/sounds/hello.wav", loop=True),
    p.PlayTone(request_id=7, stream_id=2, play_id=10, tone="busy"),
    p.StopPlay(request_id=8, play_id=9),
    p.Record(
        request_id=9,
        record_id=4,
        bridge_id=1,
        path_mixed="/r/m.wav",
        path_stereo="/r/s.wav",
        stop_on_dtmf="#",
        max_duration_s=60.0,
        silence_s=5.0,
    ),
    p.StopRecord(request_id=10, record_id=4),
    p.SendDtmf(request_id=15, stream_id=2, digits="12#", duration_ms=80, gap_ms=0),
    p.Release(request_id=11, stream_id=2),
    p.Stats(request_id=12, stream_id=2),
    p.Status(request_id=13),
    p.Shutdown(request_id=14),
    p.Reply(request_id=1, ok=True, payload=20000),
    p.Reply(request_id=2, ok=False, error="no free port", code=p.ErrorCode.PORTS_EXHAUSTED),
    p.Reply(
        request_id=12,
        ok=True,
        payload=p.StreamStats(
            packets_received=1,
            packets_sent=2,
            bytes_received=172,
            bytes_sent=344,
            packets_lost=0,
            last_received_age_s=0.5,
            remote_learned=("203.0.113.9", 5004),
        ),
    ),
    p.DtmfBegin(stream_id=2, digit="#"),
    p.DtmfEnd(stream_id=2, digit="#", duration_ms=120),
    p.RtpTimeout(stream_id=2, seconds=30.0),
    p.RemoteLearned(stream_id=2, host="203.0.113.9", port=5004),
    p.PlaybackFinished(play_id=9, stream_id=2, completed=False),
    p.RecordingFinished(
        record_id=4,
        reason="maxduration",
        duration_s=60.0,
        path_mixed="/r/m.wav",
        path_rx=None,
        path_tx=None,
        path_stereo="/r/s.wav",
    ),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_round_trips_exactly(message: p.Message) -> None:
    frame = p.encode(message)
    assert struct.unpack(">I", frame[:4])[0] == len(frame) - 4
    (decoded,) = p.FrameDecoder().feed(frame)
    assert decoded == message
    assert type(decoded) is type(message)


def test_frames_split_anywhere_and_trailing_bytes_wait() -> None:
    stream = b"".join(p.encode(m) for m in MESSAGES)
    whole = p.FrameDecoder()
    assert whole.feed(stream) == MESSAGES
    bytewise = p.FrameDecoder()
    out: list[p.Message] = []
    for i in range(len(stream)):
        out += bytewise.feed(stream[i : i + 1])
    assert out == MESSAGES
    trailing = p.FrameDecoder()
    assert trailing.feed(stream + p.encode(MESSAGES[0])[:7]) == MESSAGES
    assert trailing.pending == 7


def test_only_our_classes_can_be_unpickled() -> None:
    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("pwned",))

    body = pickle.dumps(Evil())
    with pytest.raises(p.ProtocolError, match="forbidden global"):
        p.FrameDecoder().feed(struct.pack(">I", len(body)) + body)


def test_decoding_validates_like_construction() -> None:
    # A frame forged with an impossible codec: the constructor runs on arrival and refuses it.
    frame = _frame_of("Configure", (1, 2, None, None, "G729", 18, None, 20, True, "sendrecv", None))
    with pytest.raises(p.ProtocolError, match="codec"):
        p.FrameDecoder().feed(frame)
    with pytest.raises(p.ProtocolError, match="not a media-plane message"):
        p.FrameDecoder().feed(_frame_of("Popen", ()))


def _frame_of(name: str, values: tuple[object, ...]) -> bytes:
    class Forged:
        def __reduce__(self) -> tuple[object, tuple[str, tuple[object, ...]]]:
            return (p._rebuild, (name, values))

    body = pickle.dumps(Forged())
    return struct.pack(">I", len(body)) + body


def test_oversized_and_non_message_frames_are_refused() -> None:
    with pytest.raises(p.ProtocolError, match="exceeds"):
        p.FrameDecoder().feed(struct.pack(">I", p.MAX_FRAME + 1))
    stats = p.EngineStats(
        ports_total=1,
        ports_free=1,
        streams=0,
        bridges=0,
        playbacks=0,
        recordings=0,
        packets_malformed=0,
        packets_unexpected=0,
        send_errors=0,
        ticks_late=0,
    )
    with pytest.raises(p.ProtocolError, match="not a message"):
        p.FrameDecoder().feed(p.encode(stats))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: p.Bridge(request_id=1, bridge_id=1, stream_ids=(3, 3)), "itself"),
        (lambda: p.PlayTone(request_id=1, stream_id=1, play_id=1, tone="siren"), "tone"),  # type: ignore[arg-type]
        (lambda: p.Record(request_id=1, record_id=1, path_rx="/x.wav"), "exactly one"),
        (lambda: p.Record(request_id=1, record_id=1, stream_id=1), "at least one path"),
        (lambda: p.SendDtmf(request_id=1, stream_id=1, digits=""), "no digits"),
        (lambda: p.SendDtmf(request_id=1, stream_id=1, digits="1", duration_ms=10), "duration"),
        (
            lambda: p.Record(request_id=1, record_id=1, stream_id=1, path_rx="x", stop_on_dtmf="x"),
            "not a DTMF digit",
        ),
        (
            lambda: p.Configure(
                request_id=1,
                stream_id=1,
                remote_host="h",
                remote_port=None,
                codec="PCMU",
                payload_type=0,
            ),
            "go together",
        ),
        (
            lambda: p.Configure(
                request_id=1,
                stream_id=1,
                remote_host=None,
                remote_port=None,
                codec="PCMU",
                payload_type=0,
                ptime_ms=25,
            ),
            "ptime",
        ),
        (
            lambda: p.Configure(
                request_id=1,
                stream_id=1,
                remote_host=None,
                remote_port=None,
                codec="PCMU",
                payload_type=101,
                dtmf_payload_type=101,
            ),
            "share",
        ),
    ],
)
def test_invalid_commands_fail_at_construction(make: object, message: str) -> None:
    assert callable(make)
    with pytest.raises(ValueError, match=message):
        make()
