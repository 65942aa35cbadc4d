"""Originate a call.

Rings ``Channel`` (``PJSIP/101``, ``PJSIP/number@trunk``); when it answers, the new channel
runs the dialplan from ``Context``/``Exten``/``Priority`` (a number or a label), or the one
``Application`` with ``Data``. ``CallerID`` is what the called phone shows and the new
channel's caller id. Without ``Async`` the answer waits for the outcome; with
``Async: true`` it comes at once and an ``OriginateResponse`` event tells the outcome.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from dialplan_engine.apps import find_application
from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response
from softswitch.calls.originate import (
    OriginateError,
    OriginateReason,
    OriginateRequest,
    OriginateResult,
    parse_callerid,
    parse_variables,
)
from softswitch.events import OriginateFinished

if TYPE_CHECKING:
    from http_api.ami.session import Session

log = logging.getLogger(__name__)

NAME = "Originate"
PRIVILEGE: tuple[str, ...] = ("originate",)
ARGUMENTS = (
    Argument(name="Channel", required=True, description="Channel name to call."),
    Argument(name="Exten", description="Extension to use (requires Context and Priority)"),
    Argument(name="Context", description="Context to use (requires Exten and Priority)"),
    Argument(name="Priority", description="Priority to use (requires Exten and Context)"),
    Argument(name="Application", description="Application to execute."),
    Argument(name="Data", description="Data to use (requires Application)."),
    Argument(name="Timeout", description="How long to wait for call to be answered (in ms.)."),
    Argument(name="CallerID", description="Caller ID to be set on the outgoing channel."),
    Argument(name="Variable", description="Channel variable to set, multiple Variable: "
                                          "headers are allowed."),
    Argument(name="Account", description="Account code."),
    Argument(name="Async", description="Set to true for fast origination."),
)

_QUEUED = "Originate successfully queued"


def _request(message: Message) -> OriginateRequest | str:
    """The request, or the error text Asterisk answers with."""
    channel = (message.get("Channel") or "").strip()
    if not channel:
        return "Channel not specified"
    if "/" not in channel:
        return "Invalid channel"
    exten = (message.get("Exten") or "").strip()
    context = (message.get("Context") or "").strip()
    priority = (message.get("Priority") or "").strip()
    application = (message.get("Application") or "").strip()
    if exten and (not context or not priority):
        return "Originate with 'Exten' requires 'Context' and 'Priority'"
    if not exten and not application:
        return "Originate needs either Exten or Application"
    if application and find_application(application) is None:
        return f"Application {application} not found"
    timeout_text = (message.get("Timeout") or "").strip()
    try:
        timeout_ms = int(timeout_text) if timeout_text else 30000
    except ValueError:
        return "Invalid timeout"
    if timeout_ms < 0:
        return "Invalid timeout"
    number, name = parse_callerid(message.get("CallerID") or "")
    return OriginateRequest(
        channel=channel, context=context, exten=exten,
        priority=int(priority) if priority.isdigit() else (priority or 1),
        application=application, data=message.get("Data") or "",
        timeout_s=timeout_ms / 1000, caller_num=number, caller_name=name,
        variables=parse_variables(message.get_all("Variable")),
        account=(message.get("Account") or "").strip(),
    )


async def handle(session: Session, message: Message) -> Response:
    request = _request(message)
    if isinstance(request, str):
        return Response.error(request)
    if request.exten:
        dialplan = await session.switch.dialplan.current()
        if not dialplan.exists(request.context, request.exten, 1,
                               caller_id=request.caller_num or None):
            return Response.error("Extension does not exist.")
    calls = session.switch.calls
    if (message.get("Async") or "").strip().lower() in ("true", "yes", "1", "on"):
        calls.originated.spawn(_in_background(session, request, message.get("ActionID")))
        return Response.success(_QUEUED)
    try:
        result = await calls.originate(request)
    except OriginateError as exc:
        return Response.error(str(exc))
    if not result.answered:
        return Response.error("Originate failed")
    return Response.success(_QUEUED)


async def _in_background(session: Session, request: OriginateRequest,
                         action_id: str | None) -> None:
    try:
        result = await session.switch.calls.originate(request)
    except OriginateError as exc:
        log.warning("originate to %s: %s", request.channel, exc)
        result = OriginateResult(reason=OriginateReason.FAILED)
    session.switch.events.publish(OriginateFinished(
        action_id=action_id, success=result.answered,
        channel=result.channel or request.channel, context=request.context,
        exten=request.exten, application=request.application, data=request.data,
        reason=int(result.reason), uniqueid=result.uniqueid,
        caller_num=request.caller_num, caller_name=request.caller_name,
    ))
