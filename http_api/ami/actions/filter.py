"""Dynamically add filters for the current manager session.

``Operation: Add`` with ``Filter``: a regular expression searched in each event's text
(``Event: Newexten``), or with a leading ``!`` an exclusion (``!Event: Newexten``).
``MatchCriteria`` (``action(include|exclude)``, ``name(<event>)``, ``header(<header>)``,
``method(regex|exact|starts_with|ends_with|contains|none)``) selects the advanced form. With
includes only an event must match one; with excludes only it must match none; with both,
includes come first. Filters last as long as the session and affect no other session; they
need the ``system`` class because they can undo filters an administrator set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.event_filter import FilterError, parse_filter
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Filter"
PRIVILEGE: tuple[str, ...] = ("system",)
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Operation", required=True, description="Add: add a filter."),
    Argument(name="MatchCriteria",
             description="Advanced match criteria, comma separated: action(include|exclude),"
                         " name(<event_name>), header(<header_name>),"
                         " method(regex|exact|starts_with|ends_with|contains|none). Without"
                         " it, Filter is a regular expression matched against the whole"
                         " event."),
    Argument(name="Filter",
             description="The expression, such as \"Event: Newchannel\"; a leading ! excludes"
                         " matching events in the legacy form."),
)


async def handle(session: Session, message: Message) -> Response:
    if (message.get("Operation") or "").strip().lower() != "add":
        return Response.error("Unknown operation")
    try:
        session.filters.add(parse_filter(message.get("Filter") or "",
                                         message.get("MatchCriteria")))
    except FilterError as exc:
        return Response.error(str(exc))
    return Response.success("Success")
