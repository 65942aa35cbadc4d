"""Qualify a chan_pjsip endpoint.

Sends an OPTIONS to every contact of ``Endpoint``'s AORs, registered and static, and answers
once each has replied or timed out (its AOR's ``qualify_timeout``); a contact whose
reachability changed is announced by a ``ContactStatus`` event.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.pjsip_fields import endpoint_contacts
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "PJSIPQualify"
PRIVILEGE: tuple[str, ...] = ("system", "reporting")
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Endpoint", required=True, description="The endpoint to qualify."),
)


async def handle(session: Session, message: Message) -> Response:
    name = message.get("Endpoint") or ""
    if not name:
        return Response.error("Endpoint parameter missing.")
    switch = session.switch
    endpoint = await switch.store.get_endpoint(name)
    if endpoint is None:
        return Response.error("Unable to retrieve endpoint")
    if not endpoint.aors:
        return Response.error("No AoRs configured for endpoint")
    contacts = await endpoint_contacts(switch.store, endpoint)
    async with asyncio.TaskGroup() as group:
        for contact in contacts:
            group.create_task(switch.qualify.qualify(contact))
    return Response.success("Endpoint found, will qualify")
