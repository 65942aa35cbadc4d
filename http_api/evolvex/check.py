"""``check``: is the key valid, may its group use a context, is there a recording of a call.

The answer is the seed's, field for field::

    {"data": {"api_user": {"uuid", "name", "description", "enable": "yes", "api_key",
                           "group_uuid"},
              "access": {"uuid", "name": "incoming", "description", "group_uuid"} | null,
              "file": true | false}}

``access`` is the group's entry for ``context``, null when no context was asked about or the
group may not use it; ``file`` says whether ``uniqueid`` has a recording (wav or mp3).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from http_api.evolvex.auth import Caller, authenticated
from http_api.evolvex.context import api_keys, evolvex
from http_api.evolvex.params import check_uniqueid
from softswitch.storage import ApiAccessRecord, ApiUserRecord

routes = web.RouteTableDef()

Json = dict[str, str]


def user_json(user: ApiUserRecord) -> Json:
    return {
        "uuid": user.uuid,
        "name": user.name,
        "description": user.description,
        "enable": "yes" if user.enabled else "no",
        "api_key": user.api_key,
        "group_uuid": user.group_uuid,
    }


def access_json(access: ApiAccessRecord) -> Json:
    return {
        "uuid": access.uuid,
        "name": access.name,
        "description": access.description,
        "group_uuid": access.group_uuid,
    }


@routes.get("/check")
@routes.post("/check")
@authenticated(api_keys)
async def check(request: web.Request, caller: Caller) -> web.StreamResponse:
    api = evolvex(request)
    context = caller.params.get("context")
    uniqueid = caller.params.get("uniqueid")
    access = await api.switch.store.get_api_access(caller.user.group_uuid, context) \
        if context is not None else None
    found = False
    if uniqueid is not None:
        found = await asyncio.to_thread(api.recordings.exists, check_uniqueid(uniqueid))
    return web.json_response({"data": {
        "api_user": user_json(caller.user),
        "access": access_json(access) if access is not None else None,
        "file": found,
    }})
