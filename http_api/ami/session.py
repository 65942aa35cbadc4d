"""One Manager API connection's state: who is logged in, what it may read, how to dispatch.

The session does no I/O of its own: the server hands it messages and gets back the bytes to
send, and pushes events through :meth:`Session.deliver`. The events the user may see and the
session's filters let through are written through the ``write`` callback it was given (TCP),
or kept in its :class:`EventQueue` for ``WaitEvent``: always for a session without a callback
(HTTP), and on TCP while a ``WaitEvent`` is pending.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from http_api.ami.event_filter import FilterSet
from http_api.ami.event_queue import EventQueue
from http_api.ami.privileges import parse_event_mask
from http_api.ami.protocol import Event, Message, Response
from http_api.ami.throttle import LoginThrottle
from softswitch.manager_conf import expand_classes
from softswitch.storage.records import ManagerUserRecord

if TYPE_CHECKING:
    from http_api.ami.actions import Action
    from softswitch.app import Switch

log = logging.getLogger(__name__)

_OPEN_ACTIONS = frozenset({"login", "logoff", "challenge"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Login:
    user: ManagerUserRecord
    read: frozenset[str]
    write: frozenset[str]


class Session:
    def __init__(
        self,
        *,
        switch: Switch,
        actions: Mapping[str, Action],
        peer_host: str,
        throttle: LoginThrottle,
        booted: Callable[[], bool],
        write: Callable[[bytes], None] | None,
        max_wait_s: float | None = None,
        queue_limit: int = 1000,
    ) -> None:
        self.switch = switch
        self.actions = actions
        """Every registered action, by lower-case name, in registration order."""
        self.peer_host = peer_host
        self.throttle = throttle
        self.booted = booted
        self._write = write
        self.max_wait_s = max_wait_s
        """The longest a ``WaitEvent`` may wait (HTTP: before the client gives up); None: any."""
        self.queue = EventQueue(queue_limit)
        self.filters = FilterSet()
        self.login: Login | None = None
        self.event_mask: frozenset[str] = frozenset()
        self.challenge: str | None = None
        """The last ``Challenge`` handed out, which an MD5 ``Login`` must answer."""
        self.connected_at = time.time()

    @property
    def authenticated(self) -> bool:
        return self.login is not None

    def log_in(self, user: ManagerUserRecord, events: str | None) -> None:
        read = expand_classes(user.read)
        self.login = Login(user=user, read=read, write=expand_classes(user.write))
        mask = read if events is None else parse_event_mask(events, read)
        self.event_mask = read if mask is None else mask
        self.throttle.succeeded(self.peer_host)
        log.info("manager user %s logged in from %s", user.name, self.peer_host)

    def may_run(self, action: Action) -> bool:
        if self.login is None:
            return False
        return not action.privilege or bool(self.login.write & set(action.privilege))

    async def process(self, message: Message) -> tuple[bytes, bool]:
        """The bytes answering *message*, and whether the connection should close after them."""
        response = await self.dispatch(message)
        data = response.encode(message.get("ActionID"))
        return data + b"".join(event.encode() for event in response.follow), response.close

    async def dispatch(self, message: Message) -> Response:
        name = message.get("Action")
        if not name:
            return Response.error("Missing action in request")
        key = name.strip().lower()
        if self.login is None and key not in _OPEN_ACTIONS:
            return Response.error("Permission denied")
        action = self.actions.get(key)
        if action is None:
            return Response.error(
                f"Invalid/unknown command: {name}."
                " Use Action: ListCommands to show available commands."
            )
        if key not in _OPEN_ACTIONS and not self.may_run(action):
            return Response.error("Permission denied")
        return await action.handle(self, message)

    @property
    def queues_events(self) -> bool:
        """Whether events wait in :attr:`queue` for ``WaitEvent`` (no connection to write to)."""
        return self._write is None

    def deliver(self, event: Event) -> None:
        """Pass on *event* if the session's mask holds all its classes and its filters allow."""
        if self.login is None or not set(event.classes) <= self.event_mask:
            return
        if not self.filters.allows(event):
            return
        if self._write is not None and not self.queue.waiting:
            self._write(event.encode())
        elif self.queue.put(event):
            log.warning("manager user %s at %s does not collect its events: dropping the"
                        " oldest", self.login.user.name, self.peer_host)
