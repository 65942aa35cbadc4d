"""Wait for an event to occur.

Waits until an event the session may see is queued, or ``Timeout`` seconds pass (-1, the
default: no limit; over HTTP the wait always ends 10 s before the session would expire), then
answers ``Waiting for Event completed.``, the events queued meanwhile and
``Event: WaitEventComplete``. Over HTTP this is the only way events reach the client. A
second WaitEvent on the same session ends the first, which then returns no events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Event, ListItem, Message, Response, Status

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "WaitEvent"
PRIVILEGE: tuple[str, ...] = ()
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Timeout",
             description="Maximum time in seconds to wait for events; -1 means forever."),
)

_COMPLETED = "Waiting for Event completed."


@dataclass(frozen=True, slots=True, kw_only=True)
class _Completion(Event):
    """``WaitEventComplete``, which must come after the events the wait collected.

    A :class:`~http_api.ami.protocol.ListItem` on the wire (the request's ``ActionID``, no
    ``Privilege``), carried among the answer's following events to keep that order.
    """

    action_id: str | None = None

    def encode(self) -> bytes:
        return ListItem(name=self.name, fields=self.fields).encode(self.action_id)


async def handle(session: Session, message: Message) -> Response:
    login = session.login
    if login is None:
        return Response.error("Permission denied")
    if session.queues_events and not session.event_mask:
        # As Asterisk: an HTTP client that polls for events wants them, whatever its mask.
        session.event_mask = login.read
    current = await session.queue.wait(_timeout(session, message.get("Timeout")))
    events = session.queue.take() if current else ()
    completion = _Completion(name="WaitEventComplete", classes=(),
                             action_id=message.get("ActionID"))
    return Response(status=Status.SUCCESS, message=_COMPLETED, follow=(*events, completion))


def _timeout(session: Session, text: str | None) -> float | None:
    """Seconds to wait, None for no limit; a missing or unreadable value means no limit."""
    try:
        seconds = int((text or "").strip())
    except ValueError:
        seconds = -1
    limit = session.max_wait_s
    if limit is not None and (seconds < 0 or seconds > limit):
        return max(limit, 0.0)
    return None if seconds < 0 else float(seconds)
