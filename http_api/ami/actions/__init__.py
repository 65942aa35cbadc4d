"""The Manager API actions, one module each, and :data:`ACTIONS`, their registry.

Each module has a docstring whose first line is the synopsis ListCommands shows and whose
rest is the description ``manager show command`` prints, ``NAME``, ``PRIVILEGE`` (the write
classes of which a user needs any one; empty: anyone logged in), optionally ``ARGUMENTS``
(:class:`~http_api.ami.action_doc.Argument` values, ``ActionID`` aside) and
``async def handle(session, message) -> Response``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.actions import (
    challenge,
    command,
    coresettings,
    coreshowchannels,
    corestatus,
    dbdel,
    dbdeltree,
    dbget,
    dbgettree,
    dbput,
    dialplanextensionadd,
    dialplanextensionremove,
    events,
    filter,
    getvar,
    hangup,
    listcommands,
    login,
    logoff,
    mixmonitor,
    originate,
    ping,
    pjsipqualify,
    pjsipshowaors,
    pjsipshowauths,
    pjsipshowcontacts,
    pjsipshowendpoint,
    pjsipshowendpoints,
    pjsipshowregistrationsoutbound,
    redirect,
    reload,
    setvar,
    showdialplan,
    status,
    stopmixmonitor,
    userevent,
    waitevent,
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
    description: str
    """The docstring after its first line; empty when the synopsis says it all."""
    arguments: tuple[Argument, ...]
    """The headers the action reads besides ``ActionID``, in the order its syntax lists them."""
    handle: Handler


def _action(module: ModuleType) -> Action:
    doc = inspect.cleandoc(module.__doc__ or "")
    name = module.NAME
    privilege = module.PRIVILEGE
    arguments = getattr(module, "ARGUMENTS", ())
    if (not isinstance(name, str) or not isinstance(privilege, tuple) or not doc
            or not all(isinstance(argument, Argument) for argument in arguments)):
        raise TypeError(f"{module.__name__} is not a complete action module")
    synopsis, _, description = doc.partition("\n")
    return Action(name=name, privilege=privilege, synopsis=synopsis,
                  description=description.strip(), arguments=tuple(arguments),
                  handle=module.handle)


ACTIONS: tuple[Action, ...] = tuple(
    _action(module)
    for module in (
        login, logoff, challenge, ping, listcommands, command, events, coresettings,
        corestatus,
        status, coreshowchannels, originate, hangup, redirect, getvar, setvar, mixmonitor,
        stopmixmonitor, waitevent, filter,
        dbget, dbgettree, dbput, dbdel, dbdeltree, pjsipshowendpoints, pjsipshowendpoint,
        pjsipshowcontacts, pjsipshowaors, pjsipshowauths, pjsipshowregistrationsoutbound,
        pjsipqualify, showdialplan, dialplanextensionadd, dialplanextensionremove, reload,
        userevent,
    )
)


def by_name(actions: tuple[Action, ...] = ACTIONS) -> dict[str, Action]:
    return {action.name.lower(): action for action in actions}
