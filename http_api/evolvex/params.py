"""A request's parameters as the PHP API read them, and the checks shared by its calls.

Evolvex took every parameter from ``$_REQUEST``: the query string, with the fields of a
POSTed form (urlencoded or multipart) over it, so ``api_key`` works in either place and the
same script may use GET or POST. An empty value counts as not given.
"""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.http import HttpProcessingError
from multidict import MultiDict

from http_api.evolvex.errors import ApiError

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UNIQUEID = re.compile(r"[0-9]{1,20}\.[0-9]{1,20}")
"""A channel's UNIQUEID, ``<epoch>.<sequence>``: the only shape a recording's name may have."""


class Params:
    def __init__(self, values: MultiDict[str]) -> None:
        self._values = values

    @classmethod
    def of_query(cls, request: web.Request) -> Params:
        return cls(MultiDict(request.query))

    @classmethod
    async def read(cls, request: web.Request, *, body: bool = True) -> Params:
        """The query string, and unless *body* is false the fields of a POSTed form; a form
        that cannot be parsed is a 400."""
        values: MultiDict[str] = MultiDict(request.query)
        if body and request.method == "POST" and request.content_type in _FORM_TYPES:
            try:
                form = await request.post()
            except (ValueError, HttpProcessingError) as exc:
                raise ApiError(400, "the form in the body is malformed") from exc
            for name in set(form.keys()):
                fields = [value for value in form.getall(name) if isinstance(value, str)]
                if fields:
                    values.popall(name, None)
                    values.extend((name, value) for value in fields)
        return cls(values)

    def get(self, name: str) -> str | None:
        """The last non-empty value of *name* (PHP keeps the last of repeated names)."""
        given = self.getall(name)
        return given[-1] if given else None

    def getall(self, name: str) -> list[str]:
        return [value for value in self._values.getall(name, ()) if value]

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise ApiError(400, f"{name} is required")
        return value


def check_uniqueid(value: str) -> str:
    """*value* if it is a UNIQUEID, else a 400: nothing else is ever made into a path."""
    if not UNIQUEID.fullmatch(value):
        raise ApiError(400, "uniqueid must look like 1711279935.60")
    return value
