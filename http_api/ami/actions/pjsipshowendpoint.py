"""Detail listing of an endpoint and its objects.

For ``Endpoint``: an ``EndpointDetail`` event with every option, its device state and
active channels; then ``AuthDetail`` for its inbound and outbound auths, ``AorDetail`` for
each AOR, ``ContactStatusDetail`` for each contact, ``TransportDetail`` for its transport
and ``IdentifyDetail`` for each identify naming it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.pjsip_fields import (
    active_channels_text,
    aor_contacts,
    device_state,
    endpoint_channels,
    object_fields,
    roundtrip_usec,
)
from http_api.ami.protocol import ListItem, Message, Response
from softswitch.storage.records import ContactRecord, EndpointRecord

if TYPE_CHECKING:
    from http_api.ami.session import Session
    from softswitch.app import Switch

NAME = "PJSIPShowEndpoint"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Endpoint", required=True, description="The endpoint to show."),
)


async def handle(session: Session, message: Message) -> Response:
    name = message.get("Endpoint") or ""
    if not name:
        return Response.error("Endpoint parameter missing.")
    switch = session.switch
    endpoint = await switch.store.get_endpoint(name)
    if endpoint is None:
        return Response.error(f"Unable to retrieve endpoint {name}")
    return Response.listing("Following are Events for each object associated with the Endpoint",
                            await _items(switch, endpoint), complete="EndpointDetailComplete")


async def _items(switch: Switch, endpoint: EndpointRecord) -> list[ListItem]:
    store = switch.store
    now = time.time()
    owner = (("EndpointName", endpoint.id),)
    aors: list[ListItem] = []
    contacts: list[ContactRecord] = []
    for aor_id in endpoint.aors:
        aor = await store.get_aor(aor_id)
        if aor is None:
            continue
        found = await aor_contacts(store, aor_id, now)
        # Static contacts are the ones that never expire (expiration time 0).
        registered = sum(1 for contact in found if contact.expiration_time)
        aors.append(ListItem(name="AorDetail", fields=(
            *object_fields("aor", aor), ("TotalContacts", str(len(found))),
            ("ContactsRegistered", str(registered)), *owner)))
        contacts += found
    channels = endpoint_channels(switch.calls.channels.values(), endpoint)
    items = [ListItem(name="EndpointDetail", fields=(
        *object_fields("endpoint", endpoint),
        ("DeviceState", device_state(endpoint, contacts, channels).value),
        ("ActiveChannels", active_channels_text(channels)),
    ))]
    for auth_id in dict.fromkeys(filter(None, (endpoint.auth, endpoint.outbound_auth))):
        auth = await store.get_auth(auth_id)
        if auth is not None:
            items.append(ListItem(name="AuthDetail",
                                  fields=(*object_fields("auth", auth), *owner)))
    items += aors
    items += (ListItem(name="ContactStatusDetail", fields=_contact_status(contact, owner))
              for contact in contacts)
    if endpoint.transport:
        transport = await store.get_transport(endpoint.transport)
        if transport is not None:
            items.append(ListItem(name="TransportDetail",
                                  fields=(*object_fields("transport", transport), *owner)))
    items += (ListItem(name="IdentifyDetail", fields=(*object_fields("identify", identify),
                                                      *owner))
              for identify in await store.list_identifies() if identify.endpoint == endpoint.id)
    return items


def _contact_status(contact: ContactRecord,
                    owner: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return (
        ("AOR", contact.aor),
        ("URI", contact.uri),
        ("UserAgent", contact.user_agent or ""),
        # When the binding lapses, in Unix seconds; 0 for a static contact.
        ("RegExpire", str(contact.expiration_time)),
        ("ViaAddress", f"{contact.via_addr}:{contact.via_port or 0}" if contact.via_addr
         else ""),
        ("CallID", contact.call_id or ""),
        ("Status", contact.status),
        ("RoundtripUsec", roundtrip_usec(contact)),
        *owner,
        ("ID", contact.id),
        ("AuthenticateQualify", "true" if contact.authenticate_qualify else "false"),
        ("OutboundProxy", contact.outbound_proxy or ""),
        ("Path", contact.path or ""),
        ("QualifyFrequency", str(contact.qualify_frequency)),
        ("QualifyTimeout", f"{contact.qualify_timeout:f}"),
    )
