"""Lists PJSIP endpoints.

One ``EndpointList`` event per endpoint: its transport, AORs, auths, contacts (``aor/uri,``
for each live registration and static contact), device state and active channels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.pjsip_fields import (
    active_channels_text,
    contacts_text,
    device_state,
    endpoint_channels,
    endpoint_contacts,
)
from http_api.ami.protocol import ListItem, Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "PJSIPShowEndpoints"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = ()


async def handle(session: Session, message: Message) -> Response:
    switch = session.switch
    endpoints = await switch.store.list_endpoints()
    if not endpoints:
        return Response.error("No endpoints found")
    live = list(switch.calls.channels.values())
    items = []
    for endpoint in endpoints:
        contacts = await endpoint_contacts(switch.store, endpoint)
        channels = endpoint_channels(live, endpoint)
        items.append(ListItem(name="EndpointList", fields=(
            ("ObjectType", "endpoint"),
            ("ObjectName", endpoint.id),
            ("Transport", endpoint.transport or ""),
            ("Aor", ",".join(endpoint.aors)),
            ("Auths", endpoint.auth or ""),
            ("OutboundAuths", endpoint.outbound_auth or ""),
            ("Contacts", contacts_text(contacts)),
            ("DeviceState", device_state(endpoint, contacts, channels).value),
            ("ActiveChannels", active_channels_text(channels)),
        )))
    return Response.listing("A listing of Endpoints follows, presented as EndpointList events",
                            items, complete="EndpointListComplete")
