"""Every failure of the Evolvex API is a JSON ``{"error": "<what went wrong>"}``.

Handlers raise :class:`ApiError` with the status to answer; :func:`json_errors`, the API's
middleware, turns it (and aiohttp's own 404/405/413, and anything unexpected, as a 500 that is
logged) into that body, so a client never sees an HTML page or a traceback. A client that
hangs up mid-request is only noted: there is nobody left to answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

log = logging.getLogger(__name__)

# Headers of aiohttp's HTTP errors worth keeping on the JSON answer (405 says what is allowed).
_KEPT_HEADERS = (hdrs.ALLOW,)


class ApiError(Exception):
    """A request the API refuses; ``status`` is the HTTP answer, the message its ``error``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str,
                   headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        kept: dict[str, str] = {
            name: exc.headers[name] for name in _KEPT_HEADERS if name in exc.headers
        }
        return error_response(exc.status, exc.reason, kept)
    except ConnectionError:
        # The client went away (an upload or a download broken off): nobody to answer.
        log.info("Evolvex API %s %s: the client went away", request.method, request.path)
        return error_response(400, "the connection was lost")
    except Exception:
        log.exception("Evolvex API %s %s failed", request.method, request.path)
        return error_response(500, "internal error")
