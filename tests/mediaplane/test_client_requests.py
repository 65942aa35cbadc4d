"""The switch's side of the control socket, against a scripted engine on a socketpair."""

from __future__ import annotations

import asyncio
import socket

import pytest

from softswitch.mediaplane.client import MediaPlane, MediaPlaneError
from softswitch.mediaplane.protocol import (
    EngineStats,
    FrameDecoder,
    Reply,
    Status,
    encode,
)


async def plane_with(engine: socket.socket, ours: socket.socket,
                     request_timeout: float) -> MediaPlane:
    reader, writer = await asyncio.open_unix_connection(sock=ours)
    return MediaPlane(reader, writer, process=None, thread=None,
                      request_timeout=request_timeout)


def stats(streams: int) -> EngineStats:
    return EngineStats(ports_total=10, ports_free=10 - streams, streams=streams, bridges=0,
                       playbacks=0, recordings=0, packets_malformed=0, packets_unexpected=0,
                       send_errors=0, ticks_late=0)


async def test_a_command_the_engine_never_answers_fails_after_the_timeout() -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    plane = await plane_with(theirs, ours, request_timeout=0.2)
    try:
        with pytest.raises(MediaPlaneError, match=r"no reply to Status within 0.2 s"):
            await plane.status()
        # The late reply to the abandoned request is dropped; the next request still works.
        loop = asyncio.get_running_loop()
        theirs.setblocking(False)
        decoder = FrameDecoder()
        task = asyncio.ensure_future(plane.status())
        answered: list[int] = []
        while len(answered) < 2:
            for message in decoder.feed(await loop.sock_recv(theirs, 4096)):
                assert isinstance(message, Status)
                answered.append(message.request_id)
        for request_id in answered:
            await loop.sock_sendall(theirs, encode(
                Reply(request_id=request_id, ok=True, payload=stats(request_id))))
        assert await task == stats(answered[1])
    finally:
        theirs.close()
        await plane.close(grace_s=0.5)


async def test_commands_sent_together_get_their_own_replies_in_any_order() -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    theirs.setblocking(False)
    plane = await plane_with(theirs, ours, request_timeout=5)
    loop = asyncio.get_running_loop()
    try:
        tasks = [asyncio.ensure_future(plane.status()) for _ in range(5)]
        decoder = FrameDecoder()
        requests: list[int] = []
        while len(requests) < 5:
            requests += [m.request_id for m in decoder.feed(await loop.sock_recv(theirs, 4096))
                         if isinstance(m, Status)]
        for request_id in reversed(requests):
            await loop.sock_sendall(theirs, encode(
                Reply(request_id=request_id, ok=True, payload=stats(request_id))))
        results = await asyncio.gather(*tasks)
        assert [result.streams for result in results] == requests
    finally:
        theirs.close()
        await plane.close(grace_s=0.5)
