"""API keys: every call names one in ``api_key``; no key or an unknown one is a 401, a
disabled one a 403.

Each endpoint is written as ``async def endpoint(request, caller)`` and wrapped with
:func:`authenticated`, which reads the parameters, checks the key and hands over a typed
:class:`Caller`. A wrapper rather than a middleware: the upload call checks the key itself, before
it streams its large body, where a middleware would have read the whole form first.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from http_api.evolvex.errors import ApiError
from http_api.evolvex.params import Params
from softswitch.storage import ApiUserRecord, Store

_MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling (a known, enabled key) and with which parameters."""

    user: ApiUserRecord
    params: Params


Endpoint = Callable[[web.Request, Caller], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiKeys:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def authenticate(self, key: str | None) -> ApiUserRecord:
        if key is None:
            raise ApiError(401, "api_key is required")
        user = await self._store.get_api_user_by_key(key) \
            if len(key) <= _MAX_KEY_LENGTH else None
        if user is None:
            raise ApiError(401, "invalid api_key")
        if not user.enabled:
            raise ApiError(403, "api_key is disabled")
        return user


async def read_params(request: web.Request, keys: ApiKeys, *, body: bool = True) -> Params:
    """The request's parameters (:meth:`Params.read`). A body that cannot be read is a 400,
    but a caller without a valid key in the query string is told that first (401/403)."""
    try:
        return await Params.read(request, body=body)
    except ApiError:
        await keys.authenticate(Params.of_query(request).get("api_key"))
        raise


def authenticated(keys: Callable[[web.Request], ApiKeys]) -> Callable[[Endpoint], Handler]:
    """Wrap an endpoint so that it runs only for a valid key; *keys* finds the
    :class:`ApiKeys` of the application serving the request."""

    def wrap(endpoint: Endpoint) -> Handler:
        @functools.wraps(endpoint)
        async def handler(request: web.Request) -> web.StreamResponse:
            api_keys = keys(request)
            params = await read_params(request, api_keys)
            user = await api_keys.authenticate(params.get("api_key"))
            return await endpoint(request, Caller(user=user, params=params))

        return handler

    return wrap
