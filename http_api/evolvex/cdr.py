"""``get_log_cdr``: the call detail records that started between ``start`` and ``end``.

Both bounds are included and are local times, as the ``cdr`` table keeps them:
``2024-10-30 09:59:15``, ``2024-10-30T09:59``, or a date alone (the start of that day for
``start``, its last second for ``end``); a time with a UTC offset is converted to local time.
Without them the answer covers today. Each row has the seed's columns in its order, times as
``YYYY-MM-DD HH:MM:SS``, ``answer`` null for a call nobody answered, empty text as null, and
``duration``, ``billsec`` and ``sequence`` as numbers.
"""

from __future__ import annotations

import datetime

from aiohttp import web

from http_api.evolvex.auth import Caller, authenticated
from http_api.evolvex.context import api_keys, evolvex
from http_api.evolvex.errors import ApiError
from softswitch.storage.records import CdrRecord

routes = web.RouteTableDef()

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_DAY_END = datetime.time(23, 59, 59)


def parse_bound(text: str, name: str, *, end: bool) -> datetime.datetime:
    """A ``start``/``end`` parameter as a naive local time."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
        if moment.tzinfo is not None:
            moment = moment.astimezone().replace(tzinfo=None)
    # Overflow: an offset that moves year 1 or 9999 out of range.
    except (ValueError, OverflowError):
        raise ApiError(400, f"{name} must be a date and time such as 2024-10-30 09:59:15") \
            from None
    if end and len(text.strip()) == len("2024-10-30"):
        moment = datetime.datetime.combine(moment.date(), _DAY_END)
    return moment


def cdr_row(record: CdrRecord) -> dict[str, object]:
    row: dict[str, object] = {}
    for name, value in record.columns().items():
        if isinstance(value, datetime.datetime):
            row[name] = value.strftime(TIME_FORMAT)
        elif isinstance(value, str):
            # Enumerations (disposition, amaflags) are str enums: their spelling, as text.
            row[name] = str(value) or None
        else:
            row[name] = value
    return row


@routes.get("/get_log_cdr")
@routes.post("/get_log_cdr")
@authenticated(api_keys)
async def get_log_cdr(request: web.Request, caller: Caller) -> web.StreamResponse:
    today = datetime.date.today()
    start_text = caller.params.get("start")
    end_text = caller.params.get("end")
    start = parse_bound(start_text, "start", end=False) if start_text is not None \
        else datetime.datetime.combine(today, datetime.time())
    end = parse_bound(end_text, "end", end=True) if end_text is not None \
        else datetime.datetime.combine(today, _DAY_END)
    if start > end:
        raise ApiError(400, "start is after end")
    records = await evolvex(request).switch.store.cdrs_between(start, end)
    return web.json_response({"data": [cdr_row(record) for record in records]})

