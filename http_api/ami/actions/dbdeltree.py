"""Delete DB Tree.

Removes a whole ``Family``, or with ``Key`` that key and every key below ``Key/``, from the
AstDB the dialplan's ``DB()`` function uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "DBDelTree"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Family", required=True, description="The family to delete from."),
    Argument(name="Key", description="The key tree to delete; the whole family when absent."),
)


async def handle(session: Session, message: Message) -> Response:
    family = message.get("Family") or ""
    if not family:
        return Response.error("No family specified.")
    deleted = session.switch.dialplan.astdb.delete_tree(family, message.get("Key") or "")
    if not deleted:
        return Response.error("Database entry not found")
    return Response.success("Key tree deleted successfully")
