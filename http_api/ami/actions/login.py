"""Login Manager.

``Username`` with ``Secret``, or with ``AuthType: MD5`` and ``Key`` answering a Challenge;
``Events`` optionally sets the event mask as the Events action does.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Event, Message, Response, Status
from softswitch.manager_conf import acl_allows
from softswitch.storage.records import ManagerUserRecord

if TYPE_CHECKING:
    from http_api.ami.session import Session

log = logging.getLogger(__name__)

NAME = "Login"
PRIVILEGE: tuple[str, ...] = ()
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Username", required=True,
             description="The manager user's name, a section of manager.conf."),
    Argument(name="Secret", description="The user's secret, for a plain-text login."),
    Argument(name="AuthType",
             description="MD5 to log in with Key instead of Secret, after a Challenge."),
    Argument(name="Key",
             description="Lower-case hex MD5 of the challenge followed by the secret."),
    Argument(name="Events",
             description="The event mask to start with, as the Events action takes it;"
                         " all of the user's read classes when absent."),
)


async def handle(session: Session, message: Message) -> Response:
    if session.authenticated:
        return Response.success("Already authenticated")
    username = message.get("Username") or ""
    user = await session.switch.store.get_manager_user(username) if username else None
    problem = _refusal(session, message, user)
    if problem is not None or user is None:
        delay = session.throttle.failed(session.peer_host)
        log.warning("manager login %r from %s failed: %s; answering in %.1f s", username,
                    session.peer_host, problem or "no such user", delay)
        await asyncio.sleep(delay)
        return Response.error("Authentication failed", close=True)
    session.log_in(user, message.get("Events"))
    # Over HTTP the answer is the manual's two lines: Asterisk's HTTP sessions send no
    # events until a WaitEvent asks, and by then FullyBooted is long past.
    follow = (_fully_booted(session),) if _sends_booted(session) and \
        not session.queues_events else ()
    return Response(status=Status.SUCCESS, message="Authentication accepted", follow=follow)


def _refusal(session: Session, message: Message, user: ManagerUserRecord | None) -> str | None:
    if user is None:
        return "no such user"
    if not acl_allows(user.acl, session.peer_host):
        return "address not permitted"
    auth_type = (message.get("AuthType") or "").lower()
    if auth_type == "md5":
        if session.challenge is None:
            return "MD5 login without a challenge"
        expected = hashlib.md5((session.challenge + user.secret).encode(),
                               usedforsecurity=False).hexdigest()
        given = (message.get("Key") or "").lower()
        return None if hmac.compare_digest(expected, given) else "wrong key"
    secret = message.get("Secret") or ""
    return None if hmac.compare_digest(secret.encode(), user.secret.encode()) else "wrong secret"


def _sends_booted(session: Session) -> bool:
    return session.booted() and "system" in session.event_mask


def _fully_booted(session: Session) -> Event:
    switch = session.switch
    now = time.time()
    uptime = str(int(now - switch.started_at))
    since_reload = str(int(now - (switch.reloaded_at or switch.started_at)))
    return Event(name="FullyBooted", classes=("system",), fields=(
        ("Status", "Fully Booted"), ("Uptime", uptime), ("LastReload", since_reload)))
