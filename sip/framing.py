"""Cutting a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3, RFC 5626 §4.4.1).

A stream message ends exactly ``Content-Length`` bytes after the blank line,
so the framer only needs to find that line and read one header; full parsing
stays in :func:`sip.message.parse_message`. Between messages a peer may send
a CRLFCRLF keep-alive ping, which is reported so the transport can answer
with a single CRLF pong; lone CRLFs there are ignored.

After any error the framer refuses further input: the stream has lost its
framing and the connection must be closed.
"""

from __future__ import annotations

import re

from sip.errors import MessageTooLarge, ParseError
from sip.headers import canonical_name
from sip.message import Limits

__all__ = ["KEEPALIVE_PING", "StreamFramer"]

KEEPALIVE_PING = b"\r\n\r\n"
"""Returned by :meth:`StreamFramer.feed` in place of a message for each ping."""

_BLANK_LINE_RE = re.compile(rb"\r?\n\r?\n")
_LINE_END_RE = re.compile(rb"\r?\n")
_DEFAULT_LIMITS = Limits()
# A blank line is at most four bytes, so a search may resume three bytes
# before the old end of the buffer.
_OVERLAP = 3


def _declared_length(head: bytes) -> int:
    values: list[str] = []
    last_was_length = False
    # latin-1 cannot fail, and only ASCII matters for this one header.
    for line in _LINE_END_RE.split(head)[1:]:
        if line[:1] in (b" ", b"\t"):
            if values and last_was_length:
                values[-1] += " " + line.decode("latin-1").strip(" \t")
            continue
        name, colon, value = line.partition(b":")
        last_was_length = bool(colon) and (
            canonical_name(name.decode("latin-1").rstrip(" \t")) == "Content-Length"
        )
        if last_was_length:
            values.append(value.decode("latin-1").strip(" \t"))
    if not values:
        raise ParseError("missing Content-Length")
    text = values[0].strip(" \t")
    if len(values) > 1 or not (text.isascii() and text.isdigit()) or len(text) > 20:
        raise ParseError("bad Content-Length")
    return int(text)


class StreamFramer:
    """Incremental framer for one connection; feed it bytes, get whole messages."""

    def __init__(self, limits: Limits = _DEFAULT_LIMITS) -> None:
        self._limits = limits
        self._buffer = bytearray()
        self._scan_from = 0
        self._frame_length: int | None = None
        self._error: ParseError | None = None
        self.pings_received = 0

    @property
    def has_partial(self) -> bool:
        """Bytes of an unfinished message are buffered (for stall detection).

        A buffered fragment of CRLFs is not a message and does not count.
        """
        return self._frame_length is not None or bool(self._buffer.strip(b"\r\n"))

    def feed(self, data: bytes) -> list[bytes]:
        """Append ``data``; return each complete message, or ``KEEPALIVE_PING`` per ping."""
        if self._error is not None:
            raise self._error
        self._buffer += data
        frames: list[bytes] = []
        try:
            while True:
                if self._frame_length is None:
                    if not self._skip_keepalives(frames):
                        break
                    self._frame_length = self._find_frame()
                    if self._frame_length is None:
                        break
                length = self._frame_length
                if len(self._buffer) < length:
                    break
                frames.append(bytes(self._buffer[:length]))
                del self._buffer[:length]
                self._frame_length = None
                self._scan_from = 0
        except ParseError as exc:
            self._error = exc
            raise
        return frames

    def _skip_keepalives(self, frames: list[bytes]) -> bool:
        """Consume CR/LF bytes before a message; False if more input must be awaited."""
        buffer = self._buffer
        while buffer and buffer[0] in b"\r\n":
            if buffer.startswith(KEEPALIVE_PING):
                del buffer[:4]
                self.pings_received += 1
                frames.append(KEEPALIVE_PING)
            elif buffer.startswith(b"\n") or (len(buffer) > 1 and buffer[1:2] != b"\n"):
                del buffer[:1]
            elif len(buffer) < 4 and KEEPALIVE_PING.startswith(buffer):
                # "\r", "\r\n" or "\r\n\r" may still grow into a ping.
                return False
            else:
                del buffer[:2]
        return bool(buffer)

    def _find_frame(self) -> int | None:
        """Length of the message starting the buffer, once its header section is in."""
        limits = self._limits
        blank = _BLANK_LINE_RE.search(self._buffer, self._scan_from)
        if blank is None:
            if len(self._buffer) > limits.max_bytes:
                raise MessageTooLarge("message too large")
            self._scan_from = max(0, len(self._buffer) - _OVERLAP)
            return None
        if blank.end() > limits.max_bytes:
            raise MessageTooLarge("message too large")
        length = blank.end() + _declared_length(bytes(self._buffer[: blank.start()]))
        if length > limits.max_bytes:
            raise MessageTooLarge("message too large")
        return length
