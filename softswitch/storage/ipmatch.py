"""Matching a request's source address against identify ``match`` entries.

An entry is an IP (``203.0.113.5``), a network (``10.0.0.0/8``, ``10.0.0.0/255.0.0.0``,
``2001:db8::/32``), either optionally with a port (``203.0.113.5:5060``, ``[2001:db8::1]:5060``),
or a host name (``sip.example.net``, ``sip.example.net:5060``) whose addresses are looked up.
When several entries match, the most specific wins: the longest prefix, then an entry with a
port over one without. An entry that names a port never matches a source whose port is not
known.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchRule:
    """One parsed ``match`` entry: a network or a host name, and maybe a port."""

    network: IPNetwork | None
    hostname: str | None
    port: int | None


@functools.lru_cache(maxsize=4096)
def parse_match(entry: str) -> MatchRule:
    """Parse one ``match`` entry; ValueError when it is neither an address nor a host name."""
    text = entry.strip()
    port: int | None = None
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep:
            raise ValueError(f"unclosed '[' in {entry!r}")
        prefix, _, port_text = rest.partition(":")
        if port_text:
            port = _port(port_text, entry)
        if prefix and not prefix.startswith("/"):
            raise ValueError(f"unexpected {prefix!r} in {entry!r}")
        return MatchRule(network=_network(host + prefix, entry), hostname=None, port=port)
    if text.count(":") == 1:
        text, _, port_text = text.partition(":")
        port = _port(port_text, entry)
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        if not text or "/" in text or any(ch.isspace() for ch in text):
            raise ValueError(f"not an address, network or host name: {entry!r}") from None
        return MatchRule(network=None, hostname=text.lower(), port=port)
    return MatchRule(network=network, hostname=None, port=port)


def _network(text: str, entry: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"not an address or network: {entry!r}") from None


def _port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 65535:
        raise ValueError(f"bad port in {entry!r}")
    return int(text)


def parse_address(host: str) -> IPAddress | None:
    """The source address as an IP, IPv4-mapped IPv6 folded to IPv4; None if not an IP."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def specificity(
    rule: MatchRule,
    address: IPAddress,
    port: int | None,
    resolved: frozenset[IPAddress] = frozenset(),
) -> tuple[int, int] | None:
    """How closely *rule* fits the source (higher is closer), or None when it does not match.

    *resolved* holds the addresses of a host name rule; such a rule is as specific as a
    single address.
    """
    if rule.port is not None and rule.port != port:
        return None
    port_score = 1 if rule.port is not None else 0
    if rule.network is None:
        return (address.max_prefixlen, port_score) if address in resolved else None
    if address.version != rule.network.version or address not in rule.network:
        return None
    return rule.network.prefixlen, port_score


async def system_lookup(hostname: str) -> list[str]:
    """The host's addresses from the system resolver, without blocking the event loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(hostname, None, type=socket.SOCK_DGRAM)
    return [str(info[4][0]) for info in infos]


@dataclass(slots=True)
class _Cached:
    expires: float
    addresses: frozenset[IPAddress]


class HostResolver:
    """Resolves identify host names, remembering answers so a request costs no DNS lookup.

    Failures are remembered for a shorter time, so a provider whose name briefly stops
    resolving is found again soon without a lookup storm meanwhile.
    """

    def __init__(
        self,
        *,
        ttl_s: float = 300.0,
        failure_ttl_s: float = 30.0,
        max_entries: int = 256,
        clock: Callable[[], float] = time.monotonic,
        lookup: Callable[[str], Awaitable[Iterable[str]]] | None = None,
    ) -> None:
        self._lookup = lookup or system_lookup
        self._ttl = ttl_s
        self._failure_ttl = failure_ttl_s
        self._max = max_entries
        self._clock = clock
        self._cache: dict[str, _Cached] = {}

    async def resolve(self, hostname: str) -> frozenset[IPAddress]:
        now = self._clock()
        cached = self._cache.get(hostname)
        if cached is not None and cached.expires > now:
            return cached.addresses
        try:
            answers = await self._lookup(hostname)
        except OSError as exc:
            log.warning("identify host %s does not resolve: %s", hostname, exc)
            addresses: frozenset[IPAddress] = frozenset()
            ttl = self._failure_ttl
        else:
            found = (parse_address(answer) for answer in answers)
            addresses = frozenset(a for a in found if a is not None)
            ttl = self._ttl
        if len(self._cache) >= self._max and hostname not in self._cache:
            # Dropping the entry that expires first keeps the ones just looked up.
            del self._cache[min(self._cache, key=lambda name: self._cache[name].expires)]
        self._cache[hostname] = _Cached(expires=now + ttl, addresses=addresses)
        return addresses
