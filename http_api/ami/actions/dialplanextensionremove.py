"""Remove an extension from the dialplan.

Removes priority ``Priority`` of ``Extension`` in ``Context`` from the stored dialplan, or
every priority of the extension when ``Priority`` is absent; ``EXT/CID`` removes only that
caller-ID variant. The next call sees the change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response
from softswitch.dialplan_admin import DialplanEditError, parse_priority, remove_extension

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "DialplanExtensionRemove"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Context", required=True, description="The context of the extension."),
    Argument(name="Extension", required=True,
             description="The extension, optionally with a caller-ID match as EXT/CID."),
    Argument(name="Priority", description="The priority to remove; all of them when absent."),
)


async def handle(session: Session, message: Message) -> Response:
    context = message.get("Context") or ""
    extension = message.get("Extension") or ""
    if not (context and extension):
        return Response.error(
            "Context and Extension must be provided for DialplanExtensionRemove")
    text = (message.get("Priority") or "").strip()
    if text.lower() == "hint":
        # Hints are never stored, so there is none to remove.
        return Response.error("Failed to remove requested extension")
    priority = parse_priority(text) if text else None
    if text and priority is None:
        return Response.error("The priority specified was invalid.")
    try:
        await remove_extension(session.switch.store, context=context, extension=extension,
                               priority=priority)
    except DialplanEditError as exc:
        return Response.error(str(exc))
    if priority is None:
        return Response.success("Removed the specified extension")
    return Response.success("Removed the specified priority")
