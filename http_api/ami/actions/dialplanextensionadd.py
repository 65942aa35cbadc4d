"""Add an extension to the dialplan.

Writes priority ``Priority`` of ``Extension`` (``EXT`` or ``EXT/CID``) in ``Context`` to the
stored dialplan, running ``Application(ApplicationData)``; the context is created when it
does not exist, and the next call sees the change. A priority that is already there is
kept unless ``Replace`` is true. Hints are not kept in the stored dialplan, so ``hint`` is
refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response
from softswitch.dialplan_admin import DialplanEditError, add_extension, parse_priority

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "DialplanExtensionAdd"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Context", required=True, description="The context of the extension."),
    Argument(name="Extension", required=True,
             description="The extension, optionally with a caller-ID match as EXT/CID."),
    Argument(name="Priority", required=True, description="The priority number, 1 or more."),
    Argument(name="Application", required=True, description="The application to run."),
    Argument(name="ApplicationData", description="The application's arguments."),
    Argument(name="Replace",
             description="When true, an existing priority is replaced instead of kept."),
)

# ast_true's spellings.
_TRUE = frozenset({"yes", "true", "y", "t", "1", "on"})


async def handle(session: Session, message: Message) -> Response:
    context = message.get("Context") or ""
    extension = message.get("Extension") or ""
    priority = message.get("Priority") or ""
    application = message.get("Application") or ""
    if not (context and extension and priority and application):
        return Response.error("Context, Extension, Priority, and Application must be defined.")
    if priority.strip().lower() == "hint":
        return Response.error("Failed to add extension: hints are not kept in the stored"
                              " dialplan.")
    number = parse_priority(priority)
    if number is None:
        return Response.error("The priority specified was invalid.")
    try:
        await add_extension(
            session.switch.store, context=context, extension=extension, priority=number,
            application=application, data=message.get("ApplicationData") or "",
            replace=(message.get("Replace") or "").strip().lower() in _TRUE,
        )
    except DialplanEditError as exc:
        return Response.error(str(exc))
    return Response.success("Added requested extension")
