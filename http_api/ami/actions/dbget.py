"""Get DB Entry.

Reads ``Family``/``Key`` from the AstDB the dialplan's ``DB()`` function uses, and answers
with a list of one ``DBGetResponse`` event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import ListItem, Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "DBGet"
PRIVILEGE: tuple[str, ...] = ("system", "reporting")
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Family", required=True, description="The family of the entry."),
    Argument(name="Key", required=True, description="The key of the entry in its family."),
)


async def handle(session: Session, message: Message) -> Response:
    family = message.get("Family") or ""
    key = message.get("Key") or ""
    if not family:
        return Response.error("No family specified.")
    if not key:
        return Response.error("No key specified.")
    value = session.switch.dialplan.astdb.get(family, key)
    if value is None:
        return Response.error("Database entry not found")
    item = ListItem(name="DBGetResponse", action_id_last=True,
                    fields=(("Family", family), ("Key", key), ("Val", value)))
    return Response.listing("Result will follow", (item,), complete="DBGetComplete")
