"""Errors raised while reading a dialplan.

::

    ValueError
     └── DialplanSyntaxError   extensions.conf does not follow the syntax; says file and line

Loading stops at the first error and returns nothing, so a running switch keeps its old
dialplan instead of a half-loaded one. Problems Asterisk only warns about (a duplicate
priority, an included context listed twice) are not errors: they end up in
:attr:`dialplan_engine.model.Dialplan.warnings`.
"""

from __future__ import annotations


class DialplanSyntaxError(ValueError):
    """A line of ``extensions.conf`` (or a file it includes) cannot be understood."""

    filename: str
    line: int
    """1-based line number inside :attr:`filename`."""
    message: str
    """What is wrong, without the location."""

    def __init__(self, filename: str, line: int, message: str) -> None:
        super().__init__(f"{filename}:{line}: {message}")
        self.filename = filename
        self.line = line
        self.message = message
