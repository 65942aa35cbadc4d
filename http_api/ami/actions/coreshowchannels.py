"""List currently active channels.

One ``CoreShowChannel`` event per live channel with its application and how long it has
existed, then ``CoreShowChannelsComplete``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from http_api.ami.channel_fields import channel_block
from http_api.ami.protocol import ListItem, Message, Response

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "CoreShowChannels"
PRIVILEGE: tuple[str, ...] = ("system", "reporting")


def _duration(seconds: float) -> str:
    whole = max(int(seconds), 0)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


async def handle(session: Session, message: Message) -> Response:
    now = time.time()
    items = [
        ListItem(name="CoreShowChannel", fields=(
            *channel_block(channel),
            ("Application", channel.application),
            ("ApplicationData", channel.data),
            ("Duration", _duration(now - channel.created_at)),
            ("BridgeId", channel.bridge_id),
        ))
        for channel in list(session.switch.calls.channels.values())
    ]
    return Response.listing("Channels will follow", items,
                            complete="CoreShowChannelsComplete")
