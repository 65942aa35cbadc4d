"""The Manager API of a running switch, driven by panoramisk and by raw sockets."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from panoramisk import Manager  # type: ignore[import-untyped]

from softswitch import __version__
from tests.harness.switch import SwitchFactory, SwitchProcess

pytestmark = pytest.mark.peer

MANAGER_CONF = """\
[general]
enabled = yes

[admin]
secret = s3cret
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = all
write = all
"""


@pytest.fixture
def ami_switch(switch_factory: SwitchFactory) -> SwitchProcess:
    switch = switch_factory()
    path = switch.workdir / "manager.conf"
    path.write_text(MANAGER_CONF)
    # Logins are read from the database at each attempt: loading into a running switch works.
    result = switch.cli("config", "load", str(path))
    assert result.stdout.startswith("manager.conf: 1 manager user imported\n")
    return switch


async def _manager(switch: SwitchProcess, secret: str) -> tuple[Manager, bool]:
    loop = asyncio.get_running_loop()
    logged_in: asyncio.Future[bool] = loop.create_future()

    def settle(ok: bool) -> None:
        if not logged_in.done():
            logged_in.set_result(ok)

    manager = Manager(
        loop=loop, host="127.0.0.1", port=switch.ami_port, username="admin", secret=secret,
        ping_delay=60, reconnect_timeout=3600,
        on_login=lambda _m: settle(True),
        on_disconnect=lambda _m, _exc: settle(False),
    )
    await manager.connect()
    return manager, await asyncio.wait_for(logged_in, 10)


@pytest.fixture
async def admin(ami_switch: SwitchProcess) -> AsyncIterator[Manager]:
    manager, ok = await _manager(ami_switch, "s3cret")
    assert ok
    yield manager
    manager.close()


async def test_panoramisk_ping(admin: Manager) -> None:
    reply = await admin.send_action({"Action": "Ping"})
    assert reply.success
    assert reply.Ping == "Pong"
    assert float(reply.Timestamp) > 0


async def test_panoramisk_command(admin: Manager) -> None:
    reply = await admin.send_command("core show version")
    assert reply.Response == "Success"
    assert reply.Message == "Command output follows"
    assert reply.Output == f"softswitch {__version__}"


async def test_panoramisk_wrong_secret_is_refused(ami_switch: SwitchProcess) -> None:
    manager, ok = await _manager(ami_switch, "wrong")
    manager.close()
    assert not ok
    ami_switch.wait_for_log(r"manager login 'admin' from 127\.0\.0\.1 failed: wrong secret")


def _exchange(port: int, data: bytes) -> bytes:
    """Send *data*, then read until the server closes or stays quiet for a second."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.settimeout(1.0)
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_raw_banner_lf_only_and_logoff(ami_switch: SwitchProcess) -> None:
    reply = _exchange(ami_switch.ami_port,
                      b"action: ping\nactionid: 1\n\naction: logoff\n\n")
    assert reply == (
        b"Asterisk Call Manager/13.0.0\r\n"
        b"Response: Error\r\nActionID: 1\r\nMessage: Permission denied\r\n\r\n"
        b"Response: Goodbye\r\nMessage: Thanks for all the fish.\r\n\r\n"
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"this is not a header\r\n", b"Malformed header line: this is not a header"),
        (b"Action: " + b"x" * 70000, b"Line too long"),
        (b"".join(b"K%d: v\r\n" % i for i in range(200)), b"Message too long"),
    ],
)
def test_raw_malformed_input_is_refused_and_others_are_served(
    ami_switch: SwitchProcess, data: bytes, error: bytes
) -> None:
    reply = _exchange(ami_switch.ami_port, data)
    assert reply.startswith(b"Asterisk Call Manager/")
    assert b"Response: Error\r\nMessage: " + error + b"\r\n\r\n" in reply
    good = _exchange(ami_switch.ami_port,
                     b"Action: Login\r\nUsername: admin\r\nSecret: s3cret\r\n\r\n"
                     b"Action: Logoff\r\n\r\n")
    assert b"Message: Authentication accepted" in good
    assert b"Event: FullyBooted\r\nPrivilege: system,all\r\n" in good
    assert good.endswith(b"Response: Goodbye\r\nMessage: Thanks for all the fish.\r\n\r\n")
