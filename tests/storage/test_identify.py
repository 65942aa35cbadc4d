from __future__ import annotations

import ipaddress

import pytest

from softswitch.storage import EndpointRecord, IdentifyRecord, Store
from softswitch.storage.ipmatch import HostResolver, MatchRule, parse_address, parse_match


@pytest.mark.parametrize(
    ("entry", "network", "hostname", "port"),
    [
        ("203.0.113.5", "203.0.113.5/32", None, None),
        ("203.0.113.5:5060", "203.0.113.5/32", None, 5060),
        ("10.0.0.0/8", "10.0.0.0/8", None, None),
        ("10.1.2.3/8", "10.0.0.0/8", None, None),
        ("10.0.0.0/255.255.0.0", "10.0.0.0/16", None, None),
        ("192.168.10.0/24:5070", "192.168.10.0/24", None, 5070),
        ("2001:db8::1", "2001:db8::1/128", None, None),
        ("2001:db8::/32", "2001:db8::/32", None, None),
        ("[2001:db8::1]:5060", "2001:db8::1/128", None, 5060),
        ("[2001:db8::]/48:5060", "2001:db8::/48", None, 5060),
        ("SIP.Example.NET", None, "sip.example.net", None),
        ("sip.example.net:5061", None, "sip.example.net", 5061),
    ],
)
def test_parse_match(
    entry: str, network: str | None, hostname: str | None, port: int | None
) -> None:
    expected = MatchRule(
        network=ipaddress.ip_network(network) if network else None, hostname=hostname, port=port
    )
    assert parse_match(entry) == expected


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("203.0.113.5:99999", "bad port"),
        ("203.0.113.5:x", "bad port"),
        ("[2001:db8::1", "unclosed"),
        ("[nonsense]", "not an address"),
        ("10.0.0.0/33", "not an address, network or host name"),
        ("", "not an address, network or host name"),
    ],
)
def test_parse_match_errors(entry: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_match(entry)


def test_parse_address_folds_mapped_ipv4() -> None:
    assert parse_address("::ffff:192.0.2.1") == ipaddress.ip_address("192.0.2.1")
    assert parse_address("[2001:db8::1]") == ipaddress.ip_address("2001:db8::1")
    assert parse_address("phone.example") is None


async def _setup(store: Store, *identifies: IdentifyRecord) -> None:
    for identify in identifies:
        await store.put_identify(identify)
        if await store.get_endpoint(identify.endpoint) is None:
            await store.put_endpoint(EndpointRecord(id=identify.endpoint))


async def _found(store: Store, host: str, port: int | None = None) -> str | None:
    endpoint = await store.find_endpoint_by_ip(host, port)
    return None if endpoint is None else endpoint.id


async def test_single_ip_and_cidr(store: Store) -> None:
    await _setup(
        store,
        IdentifyRecord(id="a", endpoint="trunk-a", match=("203.0.113.5",)),
        IdentifyRecord(id="b", endpoint="trunk-b", match=("198.51.100.0/24", "2001:db8::/32")),
    )
    assert await _found(store, "203.0.113.5", 5060) == "trunk-a"
    assert await _found(store, "198.51.100.77") == "trunk-b"
    assert await _found(store, "2001:db8::42", 5060) == "trunk-b"
    assert await _found(store, "::ffff:198.51.100.1", 5060) == "trunk-b"
    assert await _found(store, "203.0.113.6", 5060) is None
    assert await _found(store, "not-an-ip", 5060) is None


async def test_port_must_match_when_given(store: Store) -> None:
    await _setup(store, IdentifyRecord(id="a", endpoint="trunk-a", match=("203.0.113.5:5060",)))
    assert await _found(store, "203.0.113.5", 5060) == "trunk-a"
    assert await _found(store, "203.0.113.5", 5070) is None
    assert await _found(store, "203.0.113.5") is None


async def test_most_specific_match_wins(store: Store) -> None:
    await _setup(
        store,
        IdentifyRecord(id="1-wide", endpoint="wide", match=("10.0.0.0/8",)),
        IdentifyRecord(id="2-narrow", endpoint="narrow", match=("10.1.0.0/16",)),
        IdentifyRecord(id="3-host", endpoint="host", match=("10.1.2.3",)),
        IdentifyRecord(id="4-port", endpoint="port", match=("10.1.2.3:5080",)),
    )
    assert await _found(store, "10.9.9.9", 5060) == "wide"
    assert await _found(store, "10.1.9.9", 5060) == "narrow"
    assert await _found(store, "10.1.2.3", 5060) == "host"
    assert await _found(store, "10.1.2.3", 5080) == "port"


async def test_equal_matches_go_to_the_first_identify_by_id(store: Store) -> None:
    await _setup(
        store,
        IdentifyRecord(id="b", endpoint="second", match=("192.0.2.0/24",)),
        IdentifyRecord(id="a", endpoint="first", match=("192.0.2.0/24",)),
    )
    assert await _found(store, "192.0.2.1") == "first"


async def test_endpoint_not_identified_by_ip_is_passed_over(store: Store) -> None:
    await store.put_endpoint(EndpointRecord(id="user-only", identify_by=("username",)))
    await store.put_endpoint(EndpointRecord(id="fallback"))
    await _setup(
        store,
        IdentifyRecord(id="a", endpoint="user-only", match=("192.0.2.1",)),
        IdentifyRecord(id="b", endpoint="fallback", match=("192.0.2.0/24",)),
        IdentifyRecord(id="c", endpoint="missing-endpoint", match=("192.0.2.1:5060",)),
    )
    await store.delete_endpoint("missing-endpoint")
    assert await _found(store, "192.0.2.1", 5060) == "fallback"


async def test_bad_entries_are_skipped(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    await _setup(store, IdentifyRecord(id="a", endpoint="t", match=("10.0.0.0/99", "10.0.0.1")))
    assert await _found(store, "10.0.0.1") == "t"
    assert "identify a: not an address" in caplog.text


async def test_host_names_are_resolved(store: Store) -> None:
    await _setup(store, IdentifyRecord(id="a", endpoint="local", match=("localhost",)))
    assert await _found(store, "127.0.0.1", 5060) == "local"
    assert await _found(store, "127.0.0.2", 5060) is None


async def test_resolver_caches_answers_and_failures() -> None:
    now = [0.0]
    asked: list[str] = []

    async def lookup(name: str) -> list[str]:
        asked.append(name)
        if name == "gone.example":
            raise OSError("Name or service not known")
        return ["192.0.2.1", "2001:db8::1", "not-an-ip"]

    resolver = HostResolver(
        ttl_s=10, failure_ttl_s=1, max_entries=2, clock=lambda: now[0], lookup=lookup
    )
    answer = await resolver.resolve("sip.example")
    assert answer == {ipaddress.ip_address("192.0.2.1"), ipaddress.ip_address("2001:db8::1")}
    assert await resolver.resolve("gone.example") == frozenset()
    now[0] = 5.0
    await resolver.resolve("sip.example")
    await resolver.resolve("gone.example")
    assert asked == ["sip.example", "gone.example", "gone.example"]
    await resolver.resolve("other.example")
    assert set(resolver._cache) == {"sip.example", "other.example"}
    now[0] = 11.0
    await resolver.resolve("sip.example")
    assert asked[-1] == "sip.example"
