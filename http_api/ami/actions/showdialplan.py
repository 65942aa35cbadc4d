"""Show dialplan contexts and extensions.

Lists the stored dialplan as the next call will run it: one ``ListDialplan`` event per
priority (``Context``, ``Extension``, ``Priority``, ``Application``, ``AppData``,
``Registrar``), limited to ``Context`` and to the extensions that ``Extension`` matches,
patterns included. The closing event counts the extensions, priorities and contexts listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import ListItem, Message, Response
from softswitch.dialplan_admin import select

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "ShowDialPlan"
PRIVILEGE: tuple[str, ...] = ("config", "reporting")
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Extension", description="Show only the extensions this number matches."),
    Argument(name="Context", description="Show only this context."),
)

# Asterisk's name for the dialplan of extensions.conf, where the stored rows come from.
REGISTRAR = "pbx_config"


async def handle(session: Session, message: Message) -> Response:
    context = message.get("Context") or ""
    exten = message.get("Extension") or ""
    selection = select(await session.switch.dialplan.current(), context=context, exten=exten)
    if not selection.context_found:
        return Response.error(f"Did not find context {context}")
    if exten and not selection.extensions:
        where = f"@{context}" if context else " in any context"
        return Response.error(f"Did not find extension {exten}{where}")
    items = tuple(
        ListItem(name="ListDialplan", fields=(
            ("Context", ctx.name),
            ("Extension", extension.display),
            ("Priority", str(priority.number)),
            ("Application", priority.app),
            ("AppData", priority.appdata),
            ("Registrar", REGISTRAR),
        ))
        for ctx, extensions in selection.contexts
        for extension in extensions
        for priority in extension.priorities
    )
    return Response.listing("DialPlan list will follow", items, complete="ShowDialPlanComplete",
                            extra=(("ListExtensions", str(selection.extensions)),
                                   ("ListPriorities", str(selection.priorities)),
                                   ("ListContexts", str(len(selection.contexts)))))
