"""A session on a stand-in switch: only the parts the Manager API reads."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import pytest

from http_api.ami.actions import by_name
from http_api.ami.protocol import AmiParser, Message
from http_api.ami.session import Session
from http_api.ami.throttle import LoginThrottle, ThrottleConfig
from softswitch.events import EventBus
from softswitch.storage.records import ManagerUserRecord

if TYPE_CHECKING:
    from softswitch.app import Switch

USERS = {
    "admin": ManagerUserRecord(name="admin", secret="s3cret", read=("all",), write=("all",)),
    "viewer": ManagerUserRecord(name="viewer", secret="v", read=("call",), write=("reporting",)),
    "remote": ManagerUserRecord(name="remote", secret="r", read=("all",), write=("all",),
                                acl=(("deny", "0.0.0.0/0.0.0.0"), ("permit", "10.0.0.0/8"))),
}


class FakeStore:
    async def get_manager_user(self, name: str) -> ManagerUserRecord | None:
        return USERS.get(name)


def fake_switch() -> Switch:
    return cast("Switch", SimpleNamespace(
        store=FakeStore(), events=EventBus(), started_at=time.time() - 5, reloaded_at=None,
        calls=SimpleNamespace(channels={"PJSIP/101-1": object()}, processed_calls=3),
        config=SimpleNamespace(node_name="test-node"),
    ))


@dataclass
class Harness:
    session: Session
    written: list[bytes] = field(default_factory=list)
    booted: bool = True

    async def send(self, **headers: str) -> list[Message]:
        """Run one action; the reply and any events after it, parsed back."""
        return (await self.send_closing(**headers))[0]

    async def send_closing(self, **headers: str) -> tuple[list[Message], bool]:
        """As :meth:`send`, with whether the session asked to close the connection."""
        data, close = await self.session.process(Message(tuple(headers.items())))
        return AmiParser().feed(data), close

    async def login(self, user: str = "admin", secret: str = "s3cret", **extra: str) -> None:
        (reply, *_) = await self.send(Action="Login", Username=user, Secret=secret, **extra)
        assert reply.get("Message") == "Authentication accepted"

    def events(self) -> list[Message]:
        return AmiParser().feed(b"".join(self.written))


@pytest.fixture
def ami() -> Harness:
    written: list[bytes] = []
    harness: Harness
    session = Session(
        switch=fake_switch(), actions=by_name(), peer_host="127.0.0.1",
        throttle=LoginThrottle(ThrottleConfig(first_delay_s=0.0, max_delay_s=0.0)),
        booted=lambda: harness.booted, write=written.append,
    )
    harness = Harness(session=session, written=written)
    return harness
