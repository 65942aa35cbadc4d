"""The Evolvex REST API: the seven calls of the seed, same URLs, parameters and JSON.

Mounted twice, at ``/api/index/`` and ``/pbx/api/index/`` (where the Evolvex web server
published it), each mount a sub-application with the JSON error middleware; both share one
:class:`~http_api.evolvex.context.EvolvexContext`. One module per resource:

- :mod:`.check` — ``check``: the key, its access to a context, whether a recording exists;
- :mod:`.files` — ``get_file_wav``, ``get_file_mp3``: a call's recording, streamed;
- :mod:`.status` — ``status``: live channels as Manager ``Status`` events;
- :mod:`.originate` — ``originate``: start a call into a context the key may use;
- :mod:`.uploads` — ``uploads``: an audio file for Playback;
- :mod:`.cdr` — ``get_log_cdr``: call detail records of a period;

and :mod:`.openapi` serves their description at ``/api/openapi.json``. Keys are made with
``softswitch api-user add`` (:mod:`.auth` checks them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aiohttp import web

from http_api.evolvex import cdr, check, files, openapi, originate, status, uploads
from http_api.evolvex.context import EVOLVEX, EvolvexContext
from http_api.evolvex.errors import json_errors

if TYPE_CHECKING:
    from softswitch.app import Switch

MOUNTS = ("/api/index", "/pbx/api/index")
ROUTES = (check.routes, files.routes, status.routes, originate.routes, uploads.routes,
          cdr.routes)


def setup(app: web.Application, switch: Switch) -> None:
    context = EvolvexContext.of(switch)
    for prefix in MOUNTS:
        app.add_subapp(prefix, _mount(context))
    openapi.add_route(app)

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        yield
        # Calls started with async=true stop with the HTTP listener, before the switch.
        await context.originations.close()

    app.cleanup_ctx.append(lifecycle)


def _mount(context: EvolvexContext) -> web.Application:
    api = web.Application(middlewares=[json_errors])
    api[EVOLVEX] = context
    for table in ROUTES:
        api.add_routes(table)
    return api
