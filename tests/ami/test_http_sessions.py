"""The HTTP session table: idle expiry before and after login, address binding, the cap."""

from __future__ import annotations

import itertools

import pytest

from http_api.ami.http_sessions import HttpLimits, HttpSessions, Kind, TooManySessions
from http_api.ami.session import Session
from tests.ami.conftest import USERS, Harness


def _table(ami: Harness, limit: int = 1000) -> HttpSessions:
    numbers = itertools.count(1)
    return HttpSessions(HttpLimits(max_sessions=limit), new_id=lambda: f"{next(numbers):08x}")


def _new(ami: Harness) -> Session:
    session = ami.session
    return Session(switch=session.switch, actions=session.actions, peer_host="127.0.0.1",
                   throttle=session.throttle, booted=session.booted, write=None)


def test_unauthenticated_sessions_live_5_s_and_logged_in_ones_60_s(ami: Harness) -> None:
    table = _table(ami)
    anonymous = table.open(kind=Kind.COOKIE, host="127.0.0.1", now=0.0, make=lambda: _new(ami))
    user = table.open(kind=Kind.COOKIE, host="127.0.0.1", now=0.0, make=lambda: _new(ami))
    user.session.log_in(USERS["admin"], None)
    assert (anonymous.ident, user.ident) == ("00000001", "00000002")
    assert table.find("00000001", kind=Kind.COOKIE, host="127.0.0.1", now=5.0) is anonymous
    assert table.find("00000001", kind=Kind.COOKIE, host="127.0.0.1", now=10.5) is None
    assert table.find("00000002", kind=Kind.COOKIE, host="127.0.0.1", now=60.0) is user
    assert table.sweep(119.0) == []
    assert table.sweep(120.5) == [user]
    assert len(table) == 0


def test_a_busy_session_does_not_expire(ami: Harness) -> None:
    table = _table(ami)
    entry = table.open(kind=Kind.COOKIE, host="127.0.0.1", now=0.0, make=lambda: _new(ami))
    entry.busy = 1
    assert table.sweep(100.0) == []
    entry.busy = 0
    assert table.sweep(100.0) == [entry]


def test_sessions_are_bound_to_address_and_kind(ami: Harness) -> None:
    table = _table(ami)
    entry = table.open(kind=Kind.DIGEST, host="127.0.0.1", now=0.0, make=lambda: _new(ami))
    assert table.find(entry.ident, kind=Kind.COOKIE, host="127.0.0.1", now=1.0) is None
    assert table.find(entry.ident, kind=Kind.DIGEST, host="10.0.0.1", now=1.0) is None
    assert table.find(entry.ident, kind=Kind.DIGEST, host="127.0.0.1", now=1.0) is entry
    table.close(entry.ident)
    assert table.find(entry.ident, kind=Kind.DIGEST, host="127.0.0.1", now=1.0) is None


def test_when_full_the_longest_idle_anonymous_session_makes_room(ami: Harness) -> None:
    table = _table(ami, limit=3)
    entries = [table.open(kind=Kind.COOKIE, host="127.0.0.1", now=float(second),
                          make=lambda: _new(ami)) for second in range(3)]
    entries[0].session.log_in(USERS["admin"], None)
    entries[2].busy = 1
    fourth = table.open(kind=Kind.COOKIE, host="127.0.0.1", now=3.0, make=lambda: _new(ami))
    assert [entry.ident for entry in table] == ["00000001", "00000003", "00000004"]
    fourth.session.log_in(USERS["admin"], None)
    with pytest.raises(TooManySessions, match="Too many manager sessions"):
        table.open(kind=Kind.COOKIE, host="127.0.0.1", now=4.0, make=lambda: _new(ami))
    entries[2].busy = 0
    # Expired sessions go before anonymous live ones.
    fifth = table.open(kind=Kind.COOKIE, host="127.0.0.1", now=70.0, make=lambda: _new(ami))
    assert [entry.ident for entry in table] == [fifth.ident]
