"""Lists PJSIP Contacts.

One ``ContactList`` event per contact: every live registration, then the static contacts of
each AOR (named ``<aor>@@<md5 of uri>`` as Asterisk names permanent contacts), with its
options, ``Status`` and ``RoundtripUsec``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.pjsip_fields import contact_fields, static_contacts
from http_api.ami.protocol import ListItem, Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "PJSIPShowContacts"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = ()


async def handle(session: Session, message: Message) -> Response:
    store = session.switch.store
    now = time.time()
    contacts = [contact for contact in await store.list_all_contacts()
                if contact.expiration_time > now]
    for aor in await store.list_aors():
        contacts += static_contacts(aor)
    if not contacts:
        return Response.error("No Contacts found")
    items = tuple(ListItem(name="ContactList", fields=contact_fields(contact))
                  for contact in contacts)
    return Response.listing("A listing of Contacts follows, presented as ContactList events",
                            items, complete="ContactListComplete")
