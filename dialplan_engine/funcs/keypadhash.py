"""Synopsis: The keypad digits that spell a word.

Syntax: KEYPADHASH(string)

Description:
    Each letter of *string* (the whole argument) turned into the digit that carries it
    on a telephone keypad, digits kept, anything else dropped: ``${KEYPADHASH(Les)}`` is
    ``537``.
"""

from __future__ import annotations

from dialplan_engine.scope import FunctionContext

NAME = "KEYPADHASH"

_KEYS = {
    "1": "1",
    "2": "ABC2",
    "3": "DEF3",
    "4": "GHI4",
    "5": "JKL5",
    "6": "MNO6",
    "7": "PQRS7",
    "8": "TUV8",
    "9": "WXYZ9",
    "0": "0",
}
_DIGIT_OF = {
    char: digit
    for digit, chars in _KEYS.items()
    for char in chars + chars.lower()
}


def read(ctx: FunctionContext, args: str) -> str:
    return "".join(_DIGIT_OF[char] for char in args if char in _DIGIT_OF)
