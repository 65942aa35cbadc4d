"""What an Originate asks for and how it ended: shared by the Manager API and the REST API.

The switch rings ``channel`` (``PJSIP/101``, ``PJSIP/81234567890@trunk``); once it answers,
the new channel runs the dialplan from (context, exten, priority), or the one application.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class OriginateReason(enum.IntEnum):
    """Asterisk's ``Reason`` codes of ``OriginateResponse`` (``AST_CONTROL_*``)."""

    FAILED = 0
    HANGUP = 1
    RINGING = 3
    ANSWERED = 4
    BUSY = 5
    CONGESTION = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateRequest:
    channel: str
    """``Tech/resource`` as in Dial: ``PJSIP/101``, ``SIP/101``, ``PJSIP/number@trunk``."""
    context: str = ""
    exten: str = ""
    priority: int | str = 1
    """A number, or a label looked up in (context, exten)."""
    application: str = ""
    data: str = ""
    timeout_s: float = 30.0
    caller_num: str = ""
    caller_name: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)
    account: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateResult:
    reason: OriginateReason
    channel: str = ""
    """The new channel's name; empty when none was created."""
    uniqueid: str = ""

    @property
    def answered(self) -> bool:
        return self.reason is OriginateReason.ANSWERED


class OriginateError(ValueError):
    """The request itself is wrong (unknown technology, priority label not found)."""


def parse_callerid(text: str) -> tuple[str, str]:
    """``"Name" <number>``, ``Name <number>``, ``<number>`` or a bare number → (number, name)."""
    value = text.strip()
    name, bracket, rest = value.partition("<")
    if not bracket:
        return value, ""
    number = rest.split(">", 1)[0].strip()
    return number, name.strip().strip('"').strip()


def parse_variables(values: list[str]) -> dict[str, str]:
    """``a=1,b=2`` (and repeated ``Variable`` headers) → ``{"a": "1", "b": "2"}``."""
    variables: dict[str, str] = {}
    for value in values:
        for assignment in value.split(","):
            name, sep, setting = assignment.partition("=")
            if sep and name.strip():
                variables[name.strip()] = setting
    return variables
