"""Lists PJSIP outbound registrations.

One ``OutboundRegistrationDetail`` event per stored registration with its options and
``Status`` (Registered, Unregistered, Rejected or Failed; Unregistered for one added since
the switch started or last reloaded), then an ``AuthDetail`` for each outbound auth they
use. The closing event counts them as ``Registered`` and ``NotRegistered``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.pjsip_fields import object_fields
from http_api.ami.protocol import ListItem, Message, Response
from softswitch.outbound_registration import RegistrationState

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "PJSIPShowRegistrationsOutbound"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = ()


async def handle(session: Session, message: Message) -> Response:
    switch = session.switch
    states = {status.id: status.state for status in switch.registrations.status()}
    items = []
    registered = 0
    auth_ids: dict[str, None] = {}
    for record in await switch.store.list_registrations():
        state = states.get(record.id, RegistrationState.UNREGISTERED)
        registered += state is RegistrationState.REGISTERED
        items.append(ListItem(name="OutboundRegistrationDetail", fields=(
            *object_fields("registration", record), ("Status", state.value))))
        if record.outbound_auth:
            auth_ids[record.outbound_auth] = None
    count = len(items)
    for auth_id in auth_ids:
        auth = await switch.store.get_auth(auth_id)
        if auth is not None:
            items.append(ListItem(name="AuthDetail", fields=object_fields("auth", auth)))
    return Response.listing(
        "Following are Events for each Outbound registration", items,
        complete="OutboundRegistrationDetailComplete",
        extra=(("Registered", str(registered)), ("NotRegistered", str(count - registered))),
    )
