"""Blind transfer during a bridged call (Dial options ``t`` and ``T``).

The party allowed to transfer presses ``#`` (Asterisk's default ``blindxfer``), then dials
the number to send the other party to; the number is collected here, against the dialplan
of the transferer's context (``TRANSFER_CONTEXT`` when set), one digit at a time. The call
stays bridged while the number is dialled and no prompt is played; a number that matches
nothing is ignored and the call goes on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from dialplan_engine.model import Dialplan

BLIND_TRANSFER = "#"
DIGIT_TIMEOUT_S = 3.0
"""Asterisk's ``transferdigittimeout``: the pause that ends the number."""

_KEYS = "0123456789*#"


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer:
    by_caller: bool
    """``T``: the caller transferred (the callee moves); else the callee did (``t``)."""
    context: str
    exten: str


class Progress(enum.Enum):
    MORE = "more"
    """The number so far could still grow into an extension: wait for another digit."""
    COMPLETE = "complete"
    """An extension, and no longer one could match: transfer now."""
    INVALID = "invalid"
    """No extension starts like this."""


@dataclass(slots=True)
class TransferNumber:
    """The digits dialled after ``#``, judged against one context of the dialplan."""

    dialplan: Dialplan
    context: str
    caller_id: str | None = None
    digits: str = field(default="")

    def feed(self, digit: str) -> Progress:
        self.digits += digit
        plan, context, caller = self.dialplan, self.context, self.caller_id
        if not plan.can_match(context, self.digits, caller_id=caller):
            return Progress.INVALID
        longer = any(plan.can_match(context, self.digits + key, caller_id=caller)
                     for key in _KEYS)
        if plan.exists(context, self.digits, caller_id=caller) and not longer:
            return Progress.COMPLETE
        return Progress.MORE

    def timed_out(self) -> Progress:
        """The transferer stopped dialling: what the digits so far amount to."""
        if self.digits and self.dialplan.exists(self.context, self.digits,
                                                caller_id=self.caller_id):
            return Progress.COMPLETE
        return Progress.INVALID
