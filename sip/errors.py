"""Exceptions raised by the SIP message layer.

Every exception carries the status code a server would answer with, so the
receive path can turn a failure into a response without string matching::

    SipError                      500  base of everything raised by ``sip``
     └── ParseError               400  bytes or a header value do not parse
          ├── UnsupportedUriScheme 416  a SIP URI was required, another scheme came
          ├── VersionNotSupported  505  the start line names a SIP version other than 2.0
          └── MessageTooLarge      513  the message exceeds the configured limits

A ``ParseError`` raised by :func:`sip.message.parse_message` also keeps the
headers that were readable before the failure and the method of the request
line (when the message was a request), so that a transport can still build a
400/505/513 answer when Via, From, To, Call-ID and CSeq survived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sip.headers import Headers

__all__ = [
    "MessageTooLarge",
    "ParseError",
    "SipError",
    "UnsupportedUriScheme",
    "VersionNotSupported",
]


class SipError(Exception):
    """Base class; ``status_code`` is the SIP response a server would send."""

    status_code: int = 500


class ParseError(SipError):
    """Input that does not follow the RFC 3261 grammar.

    ``headers`` holds whatever headers were parsed before the failure and
    ``request_method`` the request-line method, when one was readable; both
    are ``None`` otherwise (for example for a broken response).
    """

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        headers: Headers | None = None,
        request_method: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers
        self.request_method = request_method

    def __str__(self) -> str:
        return self.message


class UnsupportedUriScheme(ParseError):
    """A ``sip:``/``sips:`` URI was required but the text used another scheme."""

    status_code = 416


class VersionNotSupported(ParseError):
    """The start line carries a SIP version we do not speak (RFC 4475 badvers01)."""

    status_code = 505


class MessageTooLarge(ParseError):
    """The message, its header section or its declared body exceeds the limits."""

    status_code = 513
