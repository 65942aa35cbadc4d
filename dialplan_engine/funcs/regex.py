"""Synopsis: Whether a string matches a regular expression.

Syntax: REGEX("regular expression" string)

Description:
    ``1`` when *string* contains a match of the POSIX extended regular expression, else
    ``0``: ``${REGEX("^0[1-9]" ${EXTEN})}``. The expression must be in double quotes; one
    blank after the closing quote is skipped. Backslashes in the expression are removed by
    the argument parsing, as in Asterisk, so write ``\\\\.`` for a literal dot or use
    ``[.]``. An invalid expression gives an empty result and a warning.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args
from dialplan_engine.posix_regex import RegexError, compile_ere
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "REGEX"


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, '"', limit=3)
    if len(parts) != 3:
        _log.error("Unexpected arguments: should have been in the form '\"<regex>\" <string>'")
        return ""
    _, expression, subject = parts
    if subject[:1] in (" ", "\t"):
        subject = subject[1:]
    try:
        regex = compile_ere(expression)
    except RegexError as error:
        _log.warning("Malformed input %s(%s): %s", NAME, args, error)
        return ""
    return "1" if regex.compiled.search(subject) else "0"
