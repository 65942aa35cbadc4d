"""Lists PJSIP Auths.

One ``AuthList`` event per auth with its options; the password and its digests are left
out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.pjsip_fields import object_fields
from http_api.ami.protocol import ListItem, Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "PJSIPShowAuths"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = ()


async def handle(session: Session, message: Message) -> Response:
    auths = await session.switch.store.list_auths()
    if not auths:
        return Response.error("No Auths found")
    items = tuple(ListItem(name="AuthList", fields=object_fields("auth", auth))
                  for auth in auths)
    return Response.listing("A listing of Auths follows, presented as AuthList events",
                            items, complete="AuthListComplete")
