"""Delete DB entry.

Removes one ``Family``/``Key`` from the AstDB the dialplan's ``DB()`` function uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "DBDel"
PRIVILEGE: tuple[str, ...] = ("system",)
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
    if not session.switch.dialplan.astdb.delete(family, key):
        return Response.error("Database entry could not be deleted")
    return Response.success("Key deleted successfully")
