"""Synopsis: The text a base64 string stands for.

Syntax: BASE64_DECODE(string)

Description:
    *string* decoded from base64, as Asterisk decodes it: decoding stops at the first
    ``=`` (or the end), a character outside the base64 alphabet counts as ``/``, and the
    result ends at the first NUL byte. The bytes are read as UTF-8; bytes that are not
    UTF-8 are kept so that ``BASE64_ENCODE`` gives them back. An empty argument gives an
    empty result and a warning.
"""

from __future__ import annotations

import logging
import string

from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "BASE64_DECODE"

_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
_VALUE = {char: index for index, char in enumerate(_ALPHABET)}
_UNKNOWN = 63
"""``b2a[c] & 0x3f`` for a character Asterisk's table marks -1."""


def read(ctx: FunctionContext, args: str) -> str:
    if not args:
        _log.warning("Syntax: BASE64_DECODE(<base_64 string>) - missing argument!")
        return ""
    decoded = bytearray()
    accumulator = bits = 0
    for char in args.partition("=")[0]:
        accumulator = (accumulator << 6 | _VALUE.get(char, _UNKNOWN)) & 0xFFFF
        bits += 6
        if bits >= 8:
            bits -= 8
            decoded.append(accumulator >> bits & 0xFF)
    text = bytes(decoded).partition(b"\0")[0]
    return text.decode("utf-8", "surrogateescape")
