"""AMI framing without I/O: bytes in, :class:`Message` out; responses and events to bytes.

A message is ``Key: Value`` lines ended by an empty line. Input may end lines with CRLF or a
bare LF; output always uses CRLF. This is the only module that writes the ``Key: Value``
format: actions build :class:`Response` values and the session turns them into bytes here.

Exceptions::

    AmiProtocolError      the peer broke the framing or a limit; ``str()`` is the reply text
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

AMI_VERSION = "13.0.0"
BANNER = f"Asterisk Call Manager/{AMI_VERSION}\r\n".encode()

Pairs = tuple[tuple[str, str], ...]


class AmiProtocolError(Exception):
    """Input that cannot be framed; the session answers with ``str(exc)`` and may close."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    max_line_bytes: int = 8192
    max_lines: int = 128
    """Asterisk's limit of lines in one message."""
    max_message_bytes: int = 65536


@dataclass(frozen=True, slots=True)
class Message:
    """One received block: its ``(key, value)`` pairs in order, repeats kept."""

    pairs: Pairs

    def get(self, key: str) -> str | None:
        """The first value of *key* (any case), as Asterisk reads headers; None if absent."""
        wanted = key.lower()
        for name, value in self.pairs:
            if name.lower() == wanted:
                return value
        return None

    def get_all(self, key: str) -> list[str]:
        wanted = key.lower()
        return [value for name, value in self.pairs if name.lower() == wanted]


class AmiParser:
    """Collects bytes and hands out complete messages; keeps any partial tail."""

    def __init__(self, limits: Limits | None = None) -> None:
        self._limits = limits or Limits()
        self._buffer = bytearray()
        self._pairs: list[tuple[str, str]] = []
        self._size = 0

    def feed(self, data: bytes) -> list[Message]:
        self._buffer += data
        messages: list[Message] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > self._limits.max_line_bytes:
                    self._reset()
                    raise AmiProtocolError("Line too long")
                return messages
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            message = self._line(raw.removesuffix(b"\r"))
            if message is not None:
                messages.append(message)

    def _line(self, raw: bytes) -> Message | None:
        if len(raw) > self._limits.max_line_bytes:
            self._reset()
            raise AmiProtocolError("Line too long")
        if not raw:
            if not self._pairs:
                # Blank lines between messages are keep-alives some clients send.
                return None
            message = Message(tuple(self._pairs))
            self._pairs = []
            self._size = 0
            return message
        self._size += len(raw) + 2
        limits = self._limits
        if len(self._pairs) >= limits.max_lines or self._size > limits.max_message_bytes:
            self._reset()
            raise AmiProtocolError("Message too long")
        text = raw.decode("utf-8", errors="replace")
        key, colon, value = text.partition(":")
        if not colon or not key.strip():
            self._reset()
            raise AmiProtocolError(f"Malformed header line: {text[:80]}")
        self._pairs.append((key.strip(), value.lstrip(" \t")))
        return None

    def _reset(self) -> None:
        # The rest of a broken message would be misread as a new one: start clean.
        self._pairs = []
        self._size = 0
        self._buffer.clear()


def serialize(pairs: Iterable[tuple[str, str]]) -> bytes:
    """One message: each pair on its own CRLF line, then the empty line."""
    lines = []
    for key, value in pairs:
        # A value with a line break would end the header early and forge the next one.
        clean = value.replace("\r", " ").replace("\n", " ")
        lines.append(f"{key}: {clean}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")


class Status(enum.Enum):
    SUCCESS = "Success"
    ERROR = "Error"
    GOODBYE = "Goodbye"


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """An action's answer: ``Response``, the echoed ``ActionID``, ``Message``, then fields."""

    status: Status
    message: str | None = None
    fields: Pairs = ()
    close: bool = False
    """Whether the session ends after this answer is written (Logoff, failed Login)."""
    follow: tuple[Event, ...] = ()
    """Events written right after the answer (``FullyBooted`` after a Login)."""
    event_list: bool = False
    """A list response: ``EventList: start`` comes before the message, then :attr:`items`."""
    items: tuple[ListItem, ...] = ()
    """This request's own events, written after the answer with its ``ActionID``: a list's
    items and its closing ``...Complete`` event."""

    @classmethod
    def success(
        cls, message: str | None = None, fields: Sequence[tuple[str, str]] = ()
    ) -> Response:
        return cls(status=Status.SUCCESS, message=message, fields=tuple(fields))

    @classmethod
    def error(cls, message: str, *, close: bool = False) -> Response:
        return cls(status=Status.ERROR, message=message, close=close)

    @classmethod
    def listing(
        cls, message: str, items: Sequence[ListItem], *, complete: str,
        extra: Sequence[tuple[str, str]] = (),
    ) -> Response:
        """Asterisk's list response: the answer with ``EventList: start``, *items*, then the
        *complete* event with ``EventList: Complete``, ``ListItems`` and *extra* fields."""
        closing = ListItem(name=complete, fields=(
            ("EventList", "Complete"), ("ListItems", str(len(items))), *extra))
        return cls(status=Status.SUCCESS, message=message, event_list=True,
                   items=(*items, closing))

    def encode(self, action_id: str | None) -> bytes:
        pairs: list[tuple[str, str]] = [("Response", self.status.value)]
        if action_id is not None:
            pairs.append(("ActionID", action_id))
        if self.event_list:
            pairs.append(("EventList", "start"))
        if self.message is not None:
            pairs.append(("Message", self.message))
        pairs.extend(self.fields)
        return serialize(pairs) + b"".join(item.encode(action_id) for item in self.items)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListItem:
    """An event answering one request, such as an item of a list response.

    Unlike an :class:`Event` it goes only to the session that asked, carries the request's
    ``ActionID`` and no ``Privilege`` (unless its fields hold one, as ``Status`` does), and
    no read class or event filter applies to it.
    """

    name: str
    fields: Pairs = ()
    action_id_last: bool = False
    """Asterisk writes ``ActionID`` right after ``Event`` in most items, last in a few
    (``DBGetResponse``, ``Status``)."""

    def encode(self, action_id: str | None) -> bytes:
        echo: Pairs = () if action_id is None else (("ActionID", action_id),)
        head = (("Event", self.name),)
        if self.action_id_last:
            return serialize((*head, *self.fields, *echo))
        return serialize((*head, *echo, *self.fields))


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """An unsolicited event: ``Event``, ``Privilege`` (its classes plus ``all``), fields."""

    name: str
    classes: tuple[str, ...]
    fields: Pairs = field(default=())

    def encode(self) -> bytes:
        privilege = ",".join((*self.classes, "all"))
        return serialize((("Event", self.name), ("Privilege", privilege), *self.fields))
