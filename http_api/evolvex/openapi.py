"""The OpenAPI 3 description of the Evolvex API, served at ``/api/openapi.json``.

The document is data, ``openapi.json`` beside this module, written by hand next to the
handlers; the test suite runs schemathesis against it on a live switch, which keeps the two
in step.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from aiohttp import web

PATH = "/api/openapi.json"


def document() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def add_route(app: web.Application) -> None:
    """Serve the document (read once, now) at :data:`PATH`, without a key: it is public."""
    body = json.dumps(document(), ensure_ascii=False).encode()

    async def openapi(_request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app.router.add_get(PATH, openapi)
