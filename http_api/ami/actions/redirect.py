"""Redirect (transfer) a call.

The channel leaves whatever it is doing (a bridged peer is hung up unless it is the
``ExtraChannel``) and continues in the dialplan at Context, Exten, Priority; ``ExtraChannel``
is moved too, to ``ExtraContext``/``ExtraExten``/``ExtraPriority`` (default: the same
place).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Redirect"
PRIVILEGE: tuple[str, ...] = ("call",)
ARGUMENTS = (
    Argument(name="Channel", required=True, description="Channel to redirect."),
    Argument(name="ExtraChannel", description="Second call leg to transfer (optional)."),
    Argument(name="Exten", required=True, description="Extension to transfer to."),
    Argument(name="ExtraExten", description="Extension to transfer extrachannel to."),
    Argument(name="Context", required=True, description="Context to transfer to."),
    Argument(name="ExtraContext", description="Context to transfer extrachannel to."),
    Argument(name="Priority", required=True, description="Priority to transfer to."),
    Argument(name="ExtraPriority", description="Priority to transfer extrachannel to."),
)


def _target(context: str, exten: str, priority: str) -> str | None:
    priority = priority.strip()
    if not priority:
        return None
    return f"{context.strip()},{exten.strip()},{priority}"


async def handle(session: Session, message: Message) -> Response:
    name = (message.get("Channel") or "").strip()
    if not name:
        return Response.error("Channel not specified")
    context = message.get("Context") or ""
    exten = message.get("Exten") or ""
    target = _target(context, exten, message.get("Priority") or "")
    if target is None or not exten.strip() or not context.strip():
        return Response.error("Priority is invalid")
    calls = session.switch.calls
    control = calls.control(name)
    if control is None:
        return Response.error(f"Channel does not exist: {name}")
    extra_name = (message.get("ExtraChannel") or "").strip()
    extra = None
    extra_target = None
    if extra_name:
        extra = calls.control(extra_name)
        if extra is None:
            return Response.error(f"ExtraChannel does not exist: {extra_name}")
        extra_target = _target(message.get("ExtraContext") or context,
                               message.get("ExtraExten") or exten,
                               message.get("ExtraPriority") or message.get("Priority") or "")
        if extra_target is None:
            return Response.error("Priority is invalid")
    if not control.redirect(target):
        return Response.error("Redirect failed")
    if extra is None or extra_target is None:
        return Response.success("Redirect successful")
    if not extra.redirect(extra_target):
        return Response.error("Redirect failed")
    return Response.success("Dual Redirect successful")
