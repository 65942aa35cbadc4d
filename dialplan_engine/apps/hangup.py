"""Hang up the calling channel.

Synopsis:
    Hang up the calling channel.

Syntax:
    Hangup([causecode])

Description:
    Hangs up the channel and stops the dialplan; the ``h`` extension runs next. *causecode*
    is a Q.850 cause, as a number (``17``) or a name (``USER_BUSY``, any letter case); it
    becomes ``HANGUPCAUSE`` and picks the SIP response of an unanswered call. Without one
    the channel keeps the cause it already has (16, normal clearing, by default). An invalid
    cause is warned about and ignored.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import scan_int
from dialplan_engine.state import HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "Hangup"

CAUSES: dict[str, int] = {
    "UNALLOCATED": 1,
    "NO_ROUTE_TRANSIT_NET": 2,
    "NO_ROUTE_DESTINATION": 3,
    "MISDIALLED_TRUNK_PREFIX": 5,
    "CHANNEL_UNACCEPTABLE": 6,
    "CALL_AWARDED_DELIVERED": 7,
    "PRE_EMPTED": 8,
    "NUMBER_PORTED_NOT_HERE": 14,
    "NORMAL_CLEARING": 16,
    "USER_BUSY": 17,
    "NO_USER_RESPONSE": 18,
    "NO_ANSWER": 19,
    "SUBSCRIBER_ABSENT": 20,
    "CALL_REJECTED": 21,
    "NUMBER_CHANGED": 22,
    "REDIRECTED_TO_NEW_DESTINATION": 23,
    "ANSWERED_ELSEWHERE": 26,
    "DESTINATION_OUT_OF_ORDER": 27,
    "INVALID_NUMBER_FORMAT": 28,
    "FACILITY_REJECTED": 29,
    "RESPONSE_TO_STATUS_ENQUIRY": 30,
    "NORMAL_UNSPECIFIED": 31,
    "NORMAL_CIRCUIT_CONGESTION": 34,
    "NETWORK_OUT_OF_ORDER": 38,
    "NORMAL_TEMPORARY_FAILURE": 41,
    "SWITCH_CONGESTION": 42,
    "ACCESS_INFO_DISCARDED": 43,
    "REQUESTED_CHAN_UNAVAIL": 44,
    "FACILITY_NOT_SUBSCRIBED": 50,
    "OUTGOING_CALL_BARRED": 52,
    "INCOMING_CALL_BARRED": 54,
    "BEARERCAPABILITY_NOTAUTH": 57,
    "BEARERCAPABILITY_NOTAVAIL": 58,
    "BEARERCAPABILITY_NOTIMPL": 65,
    "CHAN_NOT_IMPLEMENTED": 66,
    "FACILITY_NOT_IMPLEMENTED": 69,
    "INVALID_CALL_REFERENCE": 81,
    "INCOMPATIBLE_DESTINATION": 88,
    "INVALID_MSG_UNSPECIFIED": 95,
    "MANDATORY_IE_MISSING": 96,
    "MESSAGE_TYPE_NONEXIST": 97,
    "WRONG_MESSAGE": 98,
    "IE_NONEXIST": 99,
    "INVALID_IE_CONTENTS": 100,
    "WRONG_CALL_STATE": 101,
    "RECOVERY_ON_TIMER_EXPIRE": 102,
    "MANDATORY_IE_LENGTH_ERROR": 103,
    "PROTOCOL_ERROR": 111,
    "INTERWORKING": 127,
}
"""Q.850 cause names as dialplans spell them."""


def parse_cause(text: str) -> int | None:
    """A cause name or number; None (with a warning) when it is neither."""
    text = text.strip()
    named = CAUSES.get(text.upper())
    if named is not None:
        return named
    number = scan_int(text)
    if number is not None and number > 0:
        return number
    logger.warning('Invalid cause given to Hangup(): "%s"', text)
    return None


async def execute(state: ExecState, args: str) -> AppResult:
    cause = parse_cause(args) if args.strip() else None
    if not state.channel.hung_up:
        await state.channel.hangup(cause)
    return HANGUP
