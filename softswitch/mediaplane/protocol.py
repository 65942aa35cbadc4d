"""Commands, replies and events between the switch and its media process, and their framing.

Every command carries a ``request_id`` and is answered by exactly one :class:`Reply` with the
same id; events arrive unsolicited. All messages are frozen, slotted, keyword-only
dataclasses that validate on construction, on both sides of the wire.

Wire format: a 4-byte big-endian length, then a pickle of the message. Pickle is chosen over
JSON because both ends run this module, so tuples, enums and ``None`` round-trip exactly with
no per-message schema to keep in step. Its usual danger, that unpickling can call anything,
is closed by :class:`_Unpickler`: it resolves only :func:`_rebuild` and :class:`ErrorCode`,
and :func:`_rebuild` only constructs the classes registered here, through their constructors,
so a peer on a control socket can build our messages and nothing else.

Exceptions::

    ValueError
     └── ProtocolError   a frame that is too long, or does not decode to one of our messages
    Exception
     └── CommandError    the engine refuses a command; it becomes ``Reply(ok=False, code=...)``
"""

from __future__ import annotations

import io
import pickle
import struct
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar, Literal, get_args

Codec = Literal["PCMU", "PCMA"]
Direction = Literal["sendrecv", "sendonly", "recvonly", "inactive"]
"""The direction in the SDP *we* sent to this peer: ``recvonly`` means we stop sending to it."""
Tone = Literal["ringback", "beep", "busy", "congestion", "dial"]
RecordingPaths = tuple[str | None, str | None, str | None, str | None]
"""Mixed, rx, tx and stereo, in that order; ``None`` where that file is not wanted."""
RecordingReason = Literal["stopped", "dtmf", "silence", "maxduration", "hangup", "error"]

CODECS: frozenset[str] = frozenset(get_args(Codec))
DIRECTIONS: frozenset[str] = frozenset(get_args(Direction))
TONES: frozenset[str] = frozenset(get_args(Tone))
DTMF_DIGITS = "0123456789*#ABCD"
PTIMES_MS = (10, 20, 30, 40, 60)

MAX_FRAME = 1 << 20
_LENGTH = struct.Struct(">I")


class ProtocolError(ValueError):
    """A control-socket frame that is not a message of this protocol."""


class ErrorCode(StrEnum):
    """Why the engine refused a command (``Reply.code``)."""

    INVALID = "invalid"
    UNKNOWN_STREAM = "unknown-stream"
    UNKNOWN_BRIDGE = "unknown-bridge"
    UNKNOWN_PLAYBACK = "unknown-playback"
    UNKNOWN_RECORDING = "unknown-recording"
    DUPLICATE_ID = "duplicate-id"
    STREAM_BUSY = "stream-busy"
    """The stream is already in another bridge, or already sending digits or playing."""
    NO_DTMF = "no-dtmf"
    """Digits for a stream configured without a telephone-event payload type."""
    PORTS_EXHAUSTED = "ports-exhausted"
    ADDRESS = "address"
    """A host that is not a numeric address of the stream's family, or a failed bind."""
    FILE = "file"
    """A sound file that cannot be read or a recording path that cannot be written."""


class CommandError(Exception):
    """Raised by the engine's command handlers; carries the reply's code."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_port(port: int | None, what: str) -> None:
    _check(port is None or 0 < port < 65536, f"{what}: port {port} out of range")


def _check_pt(pt: int | None, what: str) -> None:
    _check(pt is None or 0 <= pt <= 127, f"{what}: payload type {pt} out of range")


class _Message:
    """Base of all messages: pickles through the constructor so validation runs on arrival."""

    __slots__ = ()
    _field_names: ClassVar[tuple[str, ...]]

    def __reduce__(self) -> tuple[Any, tuple[str, tuple[Any, ...]]]:
        cls = type(self)
        return _rebuild, (cls.__name__, tuple(getattr(self, n) for n in cls._field_names))


# --- commands -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocate(_Message):
    """Bind an even RTP port (and RTCP on port + 1) on *local_host*; reply payload: the port."""

    request_id: int
    stream_id: int
    local_host: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Configure(_Message):
    """Set or change (re-INVITE) where and how a stream sends; our SSRC/seq/ts continue."""

    request_id: int
    stream_id: int
    remote_host: str | None
    remote_port: int | None
    codec: Codec
    payload_type: int
    dtmf_payload_type: int | None = None
    ptime_ms: int = 20
    symmetric: bool = True
    """Latch onto the address the peer's RTP comes from (comedia), relearned after Configure."""
    direction: Direction = "sendrecv"
    rtp_timeout_s: float | None = None
    """Emit :class:`RtpTimeout` after this long without RTP while we expect to receive."""

    def __post_init__(self) -> None:
        _check(self.codec in CODECS, f"codec {self.codec!r} not one of {sorted(CODECS)}")
        _check(self.direction in DIRECTIONS, f"direction {self.direction!r} not valid")
        _check_pt(self.payload_type, "payload_type")
        _check_pt(self.dtmf_payload_type, "dtmf_payload_type")
        _check(self.dtmf_payload_type != self.payload_type, "dtmf and audio share a payload type")
        _check_port(self.remote_port, "remote_port")
        _check(
            (self.remote_host is None) == (self.remote_port is None),
            "remote_host and remote_port go together",
        )
        _check(self.ptime_ms in PTIMES_MS, f"ptime_ms {self.ptime_ms} not one of {PTIMES_MS}")
        _check(self.rtp_timeout_s is None or self.rtp_timeout_s > 0, "rtp_timeout_s must be > 0")


@dataclass(frozen=True, slots=True, kw_only=True)
class Bridge(_Message):
    """Relay RTP both ways between two streams, transcoding between PCMU and PCMA if needed."""

    request_id: int
    bridge_id: int
    stream_ids: tuple[int, int]

    def __post_init__(self) -> None:
        _check(len(self.stream_ids) == 2, "a bridge joins exactly two streams")
        _check(self.stream_ids[0] != self.stream_ids[1], "a stream cannot be bridged to itself")


@dataclass(frozen=True, slots=True, kw_only=True)
class Unbridge(_Message):
    request_id: int
    bridge_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Play(_Message):
    """Play a sound file to a stream; replaces what the stream was playing.

    The reply comes once the file is loaded, so a missing or unreadable file is an error
    reply, not an event. Ends with :class:`PlaybackFinished`.
    """

    request_id: int
    stream_id: int
    play_id: int
    path: str
    loop: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayTone(_Message):
    """Play a call-progress tone; all but ``beep`` repeat until :class:`StopPlay`."""

    request_id: int
    stream_id: int
    play_id: int
    tone: Tone

    def __post_init__(self) -> None:
        _check(self.tone in TONES, f"tone {self.tone!r} not one of {sorted(TONES)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class StopPlay(_Message):
    request_id: int
    play_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Record(_Message):
    """Record a stream or a bridge to 8 kHz 16-bit wav files.

    ``rx`` is what the stream (a bridge's first stream, the caller) receives from its peer,
    ``tx`` what is sent to that peer (the other leg, or playback); ``mixed`` is their sum,
    ``stereo`` has rx left and tx right. A stream recording lives as long as the stream, across
    bridges; a bridge recording ends with ``hangup`` when the bridge does.
    """

    request_id: int
    record_id: int
    stream_id: int | None = None
    bridge_id: int | None = None
    path_mixed: str | None = None
    path_rx: str | None = None
    path_tx: str | None = None
    path_stereo: str | None = None
    stop_on_dtmf: str = ""
    """Digits that end the recording (reason ``dtmf``) when they begin."""
    max_duration_s: float | None = None
    silence_s: float | None = None
    """End the recording (reason ``silence``) after this long without sound from the peer."""

    def __post_init__(self) -> None:
        _check(
            (self.stream_id is None) != (self.bridge_id is None),
            "record exactly one of stream_id and bridge_id",
        )
        _check(any(self.paths), "record needs at least one path")
        _check(
            all(d in DTMF_DIGITS for d in self.stop_on_dtmf),
            f"stop_on_dtmf {self.stop_on_dtmf!r} has a character that is not a DTMF digit",
        )
        _check(self.max_duration_s is None or self.max_duration_s > 0, "max_duration_s <= 0")
        _check(self.silence_s is None or self.silence_s > 0, "silence_s must be > 0")

    @property
    def paths(self) -> RecordingPaths:
        return self.path_mixed, self.path_rx, self.path_tx, self.path_stereo


@dataclass(frozen=True, slots=True, kw_only=True)
class StopRecord(_Message):
    request_id: int
    record_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Release(_Message):
    """Close a stream: its playback and recordings end, its bridge goes, its ports return.

    The reply carries the stream's final :class:`StreamStats`.
    """

    request_id: int
    stream_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Stats(_Message):
    """Reply payload: :class:`StreamStats`."""

    request_id: int
    stream_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Status(_Message):
    """Reply payload: :class:`EngineStats`."""

    request_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SendDtmf(_Message):
    """Send digits to a stream as RFC 4733 events, one packet per tick; relay to it pauses.

    Needs the stream's ``dtmf_payload_type``. The reply comes when the last end packet of
    the last digit has gone out (or, with an error, if the stream is released first).
    """

    request_id: int
    stream_id: int
    digits: str
    duration_ms: int = 100
    gap_ms: int = 50

    def __post_init__(self) -> None:
        _check(bool(self.digits), "no digits to send")
        _check(
            all(d in DTMF_DIGITS for d in self.digits),
            f"digits {self.digits!r} has a character that is not a DTMF digit",
        )
        _check(40 <= self.duration_ms <= 8000, f"duration_ms {self.duration_ms} not in 40..8000")
        _check(0 <= self.gap_ms <= 5000, f"gap_ms {self.gap_ms} not in 0..5000")


@dataclass(frozen=True, slots=True, kw_only=True)
class Shutdown(_Message):
    """Finish recordings, release everything, reply, then exit."""

    request_id: int


Command = (
    Allocate
    | Configure
    | Bridge
    | Unbridge
    | Play
    | PlayTone
    | StopPlay
    | Record
    | StopRecord
    | SendDtmf
    | Release
    | Stats
    | Status
    | Shutdown
)

# --- replies --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamStats(_Message):
    packets_received: int
    packets_sent: int
    bytes_received: int
    bytes_sent: int
    packets_lost: int
    """Expected minus received over the peer's sequence numbers (RFC 3550 A.3), all sources."""
    last_received_age_s: float | None
    """Seconds since the last RTP packet, ``None`` if none arrived yet."""
    remote_learned: tuple[str, int] | None
    """Where symmetric RTP latched, ``None`` until it did."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineStats(_Message):
    ports_total: int
    ports_free: int
    streams: int
    bridges: int
    playbacks: int
    recordings: int
    packets_malformed: int
    packets_unexpected: int
    """Dropped: for a stream not yet configured, an unknown payload type, or a foreign source."""
    send_errors: int
    """``sendto`` failures (unreachable network, full socket buffer): packets not sent."""
    ticks_late: int
    """Ticks that started more than one period late: the loop was overloaded."""


Payload = int | StreamStats | EngineStats | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply(_Message):
    request_id: int
    ok: bool
    error: str = ""
    code: ErrorCode | None = None
    payload: Payload = None


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DtmfBegin(_Message):
    stream_id: int
    digit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DtmfEnd(_Message):
    stream_id: int
    digit: str
    duration_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RtpTimeout(_Message):
    """No RTP for ``seconds`` on a stream that expects it; sent once until RTP resumes."""

    stream_id: int
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteLearned(_Message):
    """Symmetric RTP latched onto a source other than the SDP address (the peer is behind NAT)."""

    stream_id: int
    host: str
    port: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackFinished(_Message):
    """``completed`` is false when stopped, replaced by another playback, or released."""

    play_id: int
    stream_id: int
    completed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingFinished(_Message):
    """Sent once the files are complete on disk."""

    record_id: int
    reason: RecordingReason
    duration_s: float
    path_mixed: str | None
    path_rx: str | None
    path_tx: str | None
    path_stereo: str | None
    digit: str = ""
    """The digit that stopped it, for reason ``dtmf``."""
    error: str = ""
    """What went wrong writing, for reason ``error``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaPlaneDied(_Message):
    """The media process exited unexpectedly. Made by the client; never on the wire."""

    returncode: int | None


Event = (
    DtmfBegin
    | DtmfEnd
    | RtpTimeout
    | RemoteLearned
    | PlaybackFinished
    | RecordingFinished
    | MediaPlaneDied
)
Message = Command | Reply | Event

_CLASSES: dict[str, type[_Message]] = {
    cls.__name__: cls
    for cls in (
        Allocate,
        Configure,
        Bridge,
        Unbridge,
        Play,
        PlayTone,
        StopPlay,
        Record,
        StopRecord,
        SendDtmf,
        Release,
        Stats,
        Status,
        Shutdown,
        StreamStats,
        EngineStats,
        Reply,
        DtmfBegin,
        DtmfEnd,
        RtpTimeout,
        RemoteLearned,
        PlaybackFinished,
        RecordingFinished,
        MediaPlaneDied,
    )
}
for _cls in _CLASSES.values():
    _cls._field_names = tuple(f.name for f in fields(_cls))  # type: ignore[arg-type]


def _rebuild(name: str, values: tuple[Any, ...]) -> _Message:
    cls = _CLASSES.get(name)
    if cls is None or len(values) != len(cls._field_names):
        raise ProtocolError(f"not a media-plane message: {name!r}")
    try:
        return cls(**dict(zip(cls._field_names, values, strict=True)))
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"invalid {name}: {exc}") from exc


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name in ("_rebuild", "ErrorCode"):
            return _rebuild if name == "_rebuild" else ErrorCode
        raise ProtocolError(f"forbidden global in frame: {module}.{name}")


def encode(message: Message) -> bytes:
    """One frame: length prefix and body."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    if len(body) > MAX_FRAME:
        raise ProtocolError(f"frame of {len(body)} bytes exceeds {MAX_FRAME}")
    return _LENGTH.pack(len(body)) + body


def decode_body(body: bytes) -> Message:
    try:
        message = _Unpickler(io.BytesIO(body)).load()
    except ProtocolError:
        raise
    except Exception as exc:
        raise ProtocolError(f"undecodable frame: {exc}") from exc
    if not isinstance(message, Message):
        raise ProtocolError(f"frame holds {type(message).__name__}, not a message")
    return message


class FrameDecoder:
    """Splits a byte stream into messages; feed it whatever ``recv`` returned."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Message]:
        """Messages completed by *data*; raises :class:`ProtocolError` on a bad frame."""
        self._buffer += data
        messages: list[Message] = []
        offset = 0
        buffer = self._buffer
        while len(buffer) - offset >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(buffer, offset)
            if length > MAX_FRAME:
                raise ProtocolError(f"frame of {length} bytes exceeds {MAX_FRAME}")
            end = offset + _LENGTH.size + length
            if len(buffer) < end:
                break
            messages.append(decode_body(bytes(buffer[offset + _LENGTH.size : end])))
            offset = end
        del buffer[:offset]
        return messages

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame held back."""
        return len(self._buffer)
