"""Generate Challenge for MD5 Auth.

The client then logs in with ``AuthType: MD5`` and ``Key: md5(challenge + secret)``.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Challenge"
PRIVILEGE: tuple[str, ...] = ()
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="AuthType", required=True,
             description="The digest the login will use; MD5 is the only one."),
)


async def handle(session: Session, message: Message) -> Response:
    if (message.get("AuthType") or "").lower() != "md5":
        return Response.error("Must specify AuthType")
    if session.challenge is None:
        # Asterisk keeps one challenge per session: asking again returns the same value.
        session.challenge = str(secrets.randbelow(2**31))
    return Response.success(fields=(("Challenge", session.challenge),))
