"""Lists PJSIP AORs.

One ``AorList`` event per AOR with every one of its options.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.pjsip_fields import object_fields
from http_api.ami.protocol import ListItem, Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "PJSIPShowAors"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = ()


async def handle(session: Session, message: Message) -> Response:
    aors = await session.switch.store.list_aors()
    if not aors:
        return Response.error("No AoRs found")
    items = tuple(ListItem(name="AorList", fields=object_fields("aor", aor)) for aor in aors)
    return Response.listing("A listing of AORs follows, presented as AorList events",
                            items, complete="AorListComplete")
