"""Put DB entry.

Sets ``Family``/``Key`` to ``Val`` (empty when absent) in the AstDB the dialplan's ``DB()``
function uses: the next ``DB()`` read sees it at once, the database a moment later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "DBPut"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Family", required=True, description="The family of the entry."),
    Argument(name="Key", required=True, description="The key of the entry in its family."),
    Argument(name="Val", description="The value to store."),
)


async def handle(session: Session, message: Message) -> Response:
    family = message.get("Family") or ""
    key = message.get("Key") or ""
    if not family:
        return Response.error("No family specified")
    if not key:
        return Response.error("No key specified")
    try:
        session.switch.dialplan.astdb.put(family, key, message.get("Val") or "")
    except ValueError:
        # A family or key longer than the table's column.
        return Response.error("Failed to update entry")
    return Response.success("Updated database successfully")
