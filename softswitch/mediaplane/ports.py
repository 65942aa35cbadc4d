"""The RTP port pool: even ports from the configured range, RTCP on the odd port above.

Freed ports go to the back of the queue, so a port is reused as late as possible and stray
packets from a finished call rarely reach the next one.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections import deque
from dataclasses import dataclass

RECEIVE_BUFFER = 256 * 1024
"""Per-socket kernel buffer: a loop stall of ~1 s at 50 pps still loses nothing."""
SO_TIMESTAMPNS = 35
"""Linux's generic value (``asm-generic/socket.h``); the ``socket`` module does not export it.
With it set, ``recvmsg`` reports when each datagram arrived; plain ``recvfrom`` is unaffected."""
SCM_TIMESTAMPNS = SO_TIMESTAMPNS


class PortsExhausted(Exception):
    """Every port in the range is taken (by us or by another program)."""


@dataclass(slots=True)
class PortPair:
    port: int
    rtp: socket.socket
    rtcp: socket.socket

    def close(self) -> None:
        self.rtp.close()
        self.rtcp.close()


def address_family(host: str) -> socket.AddressFamily:
    """The family of a numeric *host*; raises ``ValueError`` for a name."""
    return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET


class PortPool:
    def __init__(self, port_min: int, port_max: int) -> None:
        first = port_min + (port_min & 1)
        if first + 1 > port_max:
            raise ValueError(f"RTP range {port_min}-{port_max} holds no even/odd port pair")
        self.port_min = port_min
        self.port_max = port_max
        self._free: deque[int] = deque(range(first, port_max, 2))
        self.total = len(self._free)

    @property
    def free(self) -> int:
        return len(self._free)

    def bind(self, host: str) -> PortPair:
        """Bind RTP and RTCP sockets on the next free pair that the OS lets us have.

        Raises ``ValueError`` for a non-numeric host, ``PortsExhausted``, or ``OSError`` for a
        host that is not ours.
        """
        family = address_family(host)
        for _ in range(len(self._free)):
            port = self._free.popleft()
            try:
                rtp = _bind(family, host, port, stamped=True)
            except OSError as exc:
                self._free.append(port)
                if exc.errno != errno.EADDRINUSE:
                    raise
                continue
            try:
                rtcp = _bind(family, host, port + 1)
            except OSError as exc:
                rtp.close()
                self._free.append(port)
                if exc.errno != errno.EADDRINUSE:
                    raise
                continue
            return PortPair(port=port, rtp=rtp, rtcp=rtcp)
        in_use = self.total - len(self._free)
        raise PortsExhausted(
            f"no free RTP port pair in {self.port_min}-{self.port_max}"
            f" ({in_use} of {self.total} in use by us)"
        )

    def release(self, pair: PortPair) -> None:
        pair.close()
        self._free.append(pair.port)


def _bind(
    family: socket.AddressFamily, host: str, port: int, *, stamped: bool = False
) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        if stamped:
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.bind((host, port))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock
