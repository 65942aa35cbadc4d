"""``originate``: ring ``channel``; once it answers, it runs the dialplan at
(``context``, ``exten``, ``priority``).

The key's access group must list ``context`` (else 403). ``callerid`` is ``"Name" <number>``
(or a bare number); ``variable`` carries several assignments, ``file=123,idcall=456``, and may
be repeated; both are read as the Manager API reads them. ``priority`` is a number or a label
and defaults to 1.

Without ``async`` the answer waits for the outcome, as a synchronous Manager ``Originate``
does: ``Response`` ``Success`` when the channel answered, ``Error`` otherwise, with the
``OriginateResponse`` fields (``Channel``, ``Context``, ``Exten``, ``Reason``, ``Uniqueid``).
With ``async`` true (``true``/``yes``/``1``/``on``) it answers at once that the call is queued
and the call goes on in the background. Values are strings, as in every Manager answer.
"""

from __future__ import annotations

import logging
import re

from aiohttp import web

from http_api.evolvex.auth import Caller, authenticated
from http_api.evolvex.context import EvolvexContext, api_keys, evolvex
from http_api.evolvex.errors import ApiError
from http_api.evolvex.params import Params
from softswitch.calls.originate import (
    OriginateError,
    OriginateReason,
    OriginateRequest,
    OriginateResult,
    parse_callerid,
    parse_variables,
)

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

_CHANNEL = re.compile(r"[A-Za-z][A-Za-z0-9_]*/\S+")
_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
QUEUED = "Originate successfully queued"


def originate_request(params: Params) -> OriginateRequest:
    channel = params.require("channel")
    if not _CHANNEL.fullmatch(channel):
        raise ApiError(400, "channel must be Tech/resource, such as PJSIP/101")
    priority_text = params.get("priority") or "1"
    priority: int | str = int(priority_text) if priority_text.isdecimal() else priority_text
    number, name = parse_callerid(params.get("callerid") or "")
    return OriginateRequest(
        channel=channel, context=params.require("context"), exten=params.require("exten"),
        priority=priority, caller_num=number, caller_name=name,
        variables=parse_variables(params.getall("variable")),
    )


def result_json(request: OriginateRequest, result: OriginateResult) -> dict[str, str]:
    return {
        "Response": "Success" if result.answered else "Error",
        "Message": QUEUED if result.answered else "Originate failed",
        "Channel": result.channel or request.channel,
        "Context": request.context,
        "Exten": request.exten,
        "Reason": str(int(result.reason)),
        "Uniqueid": result.uniqueid,
    }


@routes.get("/originate")
@routes.post("/originate")
@authenticated(api_keys)
async def originate(request: web.Request, caller: Caller) -> web.StreamResponse:
    api = evolvex(request)
    wanted = originate_request(caller.params)
    access = await api.switch.store.get_api_access(caller.user.group_uuid, wanted.context)
    if access is None:
        raise ApiError(403, f"context {wanted.context!r} is not allowed for this api_key")
    log.info("API user %s originates %s to %s,%s,%s", caller.user.name, wanted.channel,
             wanted.context, wanted.exten, wanted.priority)
    if (caller.params.get("async") or "").lower() in _TRUE:
        api.originations.spawn(_in_background(api, wanted))
        return web.json_response({"data": {"Response": "Success", "Message": QUEUED}})
    try:
        result = await api.switch.calls.originate(wanted)
    except OriginateError as exc:
        raise ApiError(400, str(exc)) from exc
    return web.json_response({"data": result_json(wanted, result)})


async def _in_background(api: EvolvexContext, wanted: OriginateRequest) -> None:
    try:
        result = await api.switch.calls.originate(wanted)
    except OriginateError as exc:
        log.warning("API originate of %s failed: %s", wanted.channel, exc)
        return
    if result.reason is not OriginateReason.ANSWERED:
        log.info("API originate of %s ended unanswered (reason %d)", wanted.channel,
                 int(result.reason))
