"""Call detail records: Asterisk's ``cdr`` rows built from the bus's channel events.

:mod:`.builder` applies Asterisk's rules without I/O, :mod:`.writer` writes the rows off the
call path, :mod:`.service` joins the two to the event bus and the store.
"""

from __future__ import annotations

from softswitch.cdr.builder import CdrBuilder
from softswitch.cdr.service import CdrService
from softswitch.cdr.writer import CdrWriter

__all__ = ["CdrBuilder", "CdrService", "CdrWriter"]
