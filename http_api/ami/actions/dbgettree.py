"""Get DB entries, optionally at a particular family/key.

Lists ``Family`` (with ``Key``: only that key and the keys below ``Key/``) of the AstDB the
dialplan's ``DB()`` function uses, one ``DBGetTreeResponse`` event per entry with its full
``/family/key`` path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import ListItem, Message, Response
from softswitch.astdb_tree import AstDbUnavailable, astdb_tree, tree_prefix

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "DBGetTree"
PRIVILEGE: tuple[str, ...] = ("system", "reporting")
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Family", required=True, description="The family to list."),
    Argument(name="Key", description="The key tree to list; the whole family when absent."),
)


async def handle(session: Session, message: Message) -> Response:
    family = message.get("Family") or ""
    if not family:
        return Response.error("No family specified")
    prefix = tree_prefix(family, message.get("Key") or "")
    switch = session.switch
    try:
        entries = await astdb_tree(switch.dialplan.astdb, switch.store, prefix)
    except AstDbUnavailable:
        return Response.error("Database unavailable")
    items = tuple(ListItem(name="DBGetTreeResponse", fields=(("Key", path), ("Val", value)))
                  for path, value in entries)
    return Response.listing("Result will follow", items, complete="DBGetTreeComplete")
