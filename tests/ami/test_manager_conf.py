"""manager.conf import, privilege classes, ACL rules, and the manager_users table."""

from __future__ import annotations

from pathlib import Path

import pytest

from http_api.ami.throttle import LoginThrottle, ThrottleConfig
from softswitch.asterisk_conf import AsteriskConfError, parse_conf
from softswitch.manager_conf import acl_allows, expand_classes, manager_users, parse_classes
from softswitch.storage import Database, ManagerUserRecord

MANAGER_CONF = """\
[general]
enabled = yes
port = 5038
bindaddr = 0.0.0.0
webenabled = no

[admin]
secret = s3cret
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = system,call,log,verbose,agent,user,config,dtmf,reporting,cdr,dialplan
write = system,call,agent,user,config,command,reporting,originate,message
displayconnects = no

[monitor]
secret = m
read = ALL
write = none
"""


def test_import_users_and_warnings() -> None:
    loaded = manager_users(parse_conf(MANAGER_CONF, filename="manager.conf"))
    admin, monitor = loaded.users
    assert admin == ManagerUserRecord(
        name="admin", secret="s3cret",
        read=("system", "call", "log", "verbose", "agent", "user", "config", "dtmf",
              "reporting", "cdr", "dialplan"),
        write=("system", "call", "agent", "user", "config", "command", "reporting",
               "originate", "message"),
        acl=(("deny", "0.0.0.0/0.0.0.0"), ("permit", "127.0.0.1/255.255.255.255")),
    )
    assert (monitor.read, monitor.write) == (("all",), ())
    assert str(loaded) == "2 manager users"
    assert loaded.warnings == (
        "manager.conf:2: enabled = yes not imported: the Manager API always runs;"
        " bind it with [ami] listen in softswitch.toml",
        "manager.conf:3: port = 5038 not imported: set the port with [ami] listen in"
        " softswitch.toml",
        "manager.conf:4: bindaddr = 0.0.0.0 not imported: set the address with [ami] listen in"
        " softswitch.toml",
        "manager.conf:13: displayconnects of user admin is not supported yet",
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[a]\nread = all\n", "manager.conf:1: manager user a has no secret"),
        ("[a]\nsecret = x\nwrite = calls\n", "manager.conf:3: write: unknown privilege class"),
        ("[a]\nsecret = x\npermit = 300.1.1.1\n", "manager.conf:3: permit: bad network"),
    ],
)
def test_import_errors(text: str, error: str) -> None:
    with pytest.raises(AsteriskConfError, match=error):
        manager_users(parse_conf(text, filename="manager.conf"))


def test_classes() -> None:
    assert parse_classes(" System, call,none,call ") == ("system", "call")
    assert "message" in expand_classes(("all",))


@pytest.mark.parametrize(
    ("address", "allowed"),
    [("127.0.0.1", True), ("10.0.0.1", False), ("192.168.1.9", True), ("::1", False),
     ("not an ip", False)],
)
def test_acl_last_match_wins(address: str, allowed: bool) -> None:
    rules = (("deny", "0.0.0.0/0"), ("permit", "127.0.0.1"), ("permit", "192.168.0.0/16"),
             ("deny", "192.168.2.0/255.255.255.0"), ("deny", "::/0"))
    assert acl_allows(rules, address) is allowed
    assert acl_allows((), address) is (address != "not an ip")


def test_throttle_grows_caps_and_resets() -> None:
    now = [0.0]
    throttle = LoginThrottle(ThrottleConfig(first_delay_s=1, max_delay_s=4, forget_after_s=60),
                             clock=lambda: now[0])
    assert [throttle.failed("a") for _ in range(4)] == [1, 2, 4, 4]
    assert throttle.failed("b") == 1
    throttle.succeeded("a")
    assert throttle.failed("a") == 1
    now[0] = 100.0
    assert throttle.failed("b") == 1


async def test_store_round_trip(tmp_path: Path) -> None:
    users = manager_users(parse_conf(MANAGER_CONF, filename="manager.conf")).users
    async with await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}") as db:
        await db.store.replace_manager_users(users)
        assert await db.store.list_manager_users() == list(users)
        assert await db.store.get_manager_user("admin") == users[0]
        await db.store.replace_manager_users(users[1:])
        assert await db.store.get_manager_user("admin") is None
