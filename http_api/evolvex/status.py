"""``status``: the live channels, one object each, as the Manager API's ``Status`` event.

Each object holds ``Event: Status``, ``Privilege: Call``, the event's fields (the same
:func:`~http_api.ami.channel_fields.status_fields` the Manager API prints), the channel's
dialplan variables (``DIALSTATUS``, ``MIXMONITOR_FILENAME``, ``SIPDOMAIN`` …) as further keys,
and last ``ActionID`` (the ``actionid`` parameter, empty without one). A variable never
replaces an event field of the same name. The optional filters ``calleridnum``,
``connectedlinenum``, ``context`` and ``exten`` keep the channels whose field equals the
value exactly, as it is shown (an empty caller number shows as ``<unknown>``).
"""

from __future__ import annotations

import time

from aiohttp import web

from http_api.ami.channel_fields import status_fields
from http_api.evolvex.auth import Caller, authenticated
from http_api.evolvex.context import api_keys, evolvex
from softswitch.channel import Channel

routes = web.RouteTableDef()

FILTERS = (
    ("calleridnum", "CallerIDNum"),
    ("connectedlinenum", "ConnectedLineNum"),
    ("context", "Context"),
    ("exten", "Exten"),
)
"""Query parameter → the Status field it must equal."""


def status_object(channel: Channel, action_id: str, now: float) -> dict[str, str]:
    fields = {"Event": "Status", "Privilege": "Call"}
    fields.update(status_fields(channel, now=now))
    for name, value in channel.variables.items():
        if name not in fields and name != "ActionID":
            fields[name] = value
    # Last, as Asterisk prints it after the variables.
    fields["ActionID"] = action_id
    return fields


@routes.get("/status")
@routes.post("/status")
@authenticated(api_keys)
async def status(request: web.Request, caller: Caller) -> web.StreamResponse:
    wanted = [(field, value) for name, field in FILTERS
              if (value := caller.params.get(name)) is not None]
    action_id = caller.params.get("actionid") or ""
    now = time.time()
    rows = []
    # A copy: channels come and go while the answer is built.
    for channel in list(evolvex(request).switch.calls.channels.values()):
        row = status_object(channel, action_id, now)
        if all(row.get(field) == value for field, value in wanted):
            rows.append(row)
    return web.json_response({"data": rows})
