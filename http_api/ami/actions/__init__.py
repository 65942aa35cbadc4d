"""The Manager API actions, one module each, and :data:`ACTIONS`, their registry.

Each module has a docstring whose first line is the synopsis ListCommands shows, ``NAME``,
``PRIVILEGE`` (the write classes of which a user needs any one; empty: anyone logged in) and
``async def handle(session, message) -> Response``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from http_api.ami.actions import (
    challenge,
    command,
    coresettings,
    corestatus,
    events,
    listcommands,
    login,
    logoff,
    ping,
)

if TYPE_CHECKING:
    from http_api.ami.protocol import Message, Response
    from http_api.ami.session import Session

Handler = Callable[["Session", "Message"], Awaitable["Response"]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    name: str
    privilege: tuple[str, ...]
    synopsis: str
    handle: Handler


def _action(module: ModuleType) -> Action:
    doc = module.__doc__ or ""
    name = module.NAME
    privilege = module.PRIVILEGE
    if not isinstance(name, str) or not isinstance(privilege, tuple) or not doc.strip():
        raise TypeError(f"{module.__name__} is not a complete action module")
    return Action(name=name, privilege=privilege, synopsis=doc.strip().splitlines()[0],
                  handle=module.handle)


ACTIONS: tuple[Action, ...] = tuple(
    _action(module)
    for module in (
        login, logoff, challenge, ping, listcommands, command, events, coresettings,
        corestatus,
    )
)


def by_name(actions: tuple[Action, ...] = ACTIONS) -> dict[str, Action]:
    return {action.name.lower(): action for action in actions}
