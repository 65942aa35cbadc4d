"""Where a SIP message came from or goes to: a transport kind, a host, a port and a flow."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class TransportKind(enum.Enum):
    UDP = "UDP"
    TCP = "TCP"
    TLS = "TLS"
    WS = "WS"
    WSS = "WSS"

    @property
    def reliable(self) -> bool:
        """Stream transports deliver or fail: no retransmission timers run on them."""
        return self is not TransportKind.UDP

    @property
    def via_token(self) -> str:
        return self.value

    @classmethod
    def from_token(cls, token: str) -> TransportKind:
        """Map a Via transport or a ``transport=`` URI parameter onto a kind."""
        try:
            return cls(token.upper())
        except ValueError:
            raise ValueError(f"unknown transport {token!r}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    transport: TransportKind
    host: str
    port: int
    flow: int | None = None
    """Identifier of the connection a stream message arrived on, so answers reuse it."""

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.transport.value.lower()}:{host}:{self.port}"

    def without_flow(self) -> Address:
        return Address(transport=self.transport, host=self.host, port=self.port)
