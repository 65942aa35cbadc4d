"""Small helpers shared by the real-peer harness: locating external tools and picking ports."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pytest

PortKind = Literal["udp", "tcp", "both"]

LOOPBACK = "127.0.0.1"

# Ephemeral ports are handed out by the kernel from 32768 upwards, so fixed ranges for RTP are
# kept below that to avoid colliding with sockets other tests open with port 0.
_RTP_FIRST = 20000
_RTP_LAST = 32000
_RTP_BLOCK = 100
_rtp_blocks = itertools.count()


def require_tool(name: str) -> str:
    """Return the path of the executable *name*, or skip (locally) / fail (on CI) without it.

    A missing peer on CI means the environment is broken, and a silent skip there would hide
    every real-peer test, so CI fails loudly; on a developer machine a skip is friendlier.
    """
    path = shutil.which(name)
    if path is not None:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is not installed (the ./test script installs it)")
    pytest.skip(f"{name} is not installed (the ./test script installs it)")


def _bindable(port: int, kind: Literal["udp", "tcp"]) -> bool:
    sock_type = socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, sock_type) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def port_is_free(port: int, kind: PortKind) -> bool:
    """Whether *port* on loopback can be bound right now for *kind*."""
    if kind == "both":
        return _bindable(port, "udp") and _bindable(port, "tcp")
    return _bindable(port, kind)


def free_port(kind: PortKind) -> int:
    """A loopback port the kernel considers free for *kind* ("both": UDP and TCP at once).

    The port is released before returning, so another process could take it in between; the
    window is tiny on a test machine and callers that bind it immediately are fine.
    """
    for _ in range(200):
        first: Literal["udp", "tcp"] = "udp" if kind in ("udp", "both") else "tcp"
        sock_type = socket.SOCK_DGRAM if first == "udp" else socket.SOCK_STREAM
        with socket.socket(socket.AF_INET, sock_type) as sock:
            sock.bind((LOOPBACK, 0))
            port = int(sock.getsockname()[1])
        if kind != "both" or _bindable(port, "tcp"):
            return port
    raise RuntimeError(f"no free {kind} port found on {LOOPBACK}")


def rtp_range(size: int = _RTP_BLOCK) -> tuple[int, int]:
    """An even-aligned UDP port range no other agent of this test run has been given.

    Blocks are spread by process id as well, so two pytest processes on one machine start in
    different places; a block whose edges are taken is skipped.
    """
    blocks = (_RTP_LAST - _RTP_FIRST) // size
    offset = os.getpid() % blocks
    for _ in range(blocks):
        index = (offset + next(_rtp_blocks)) % blocks
        low = _RTP_FIRST + index * size
        high = low + size - 1
        if _bindable(low, "udp") and _bindable(high, "udp"):
            return low, high
    raise RuntimeError("no free RTP port range left")


_SIPP_MEDIA_FIRST = 10000
_SIPP_MEDIA_LAST = 19996
_sipp_media_blocks = itertools.count()


def sipp_media_port() -> int:
    """A base port for SIPp's ``-mp``: SIPp binds audio RTP and RTCP there and video at +2
    and +3, so all four come from a block of their own, below the ports the kernel hands out
    (where a switch's SIP port may sit) and apart from the switches' RTP ranges."""
    blocks = (_SIPP_MEDIA_LAST - _SIPP_MEDIA_FIRST) // 4
    offset = os.getpid() % blocks
    for _ in range(blocks):
        base = _SIPP_MEDIA_FIRST + (offset + next(_sipp_media_blocks)) % blocks * 4
        if all(_bindable(base + i, "udp") for i in range(4)):
            return base
    raise RuntimeError("no free SIPp media ports left")


RunDir = Callable[[str], Path]
"""Gives a fresh directory per peer run (SIPp, baresip), labelled for reading after a failure."""
