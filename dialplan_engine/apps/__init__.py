"""The dialplan applications, one module each, and the registry the interpreter uses.

Every module has a docstring (Synopsis / Syntax / Description, what ``core show application``
and AMI ``ListCommands``-style listings show), a ``NAME`` and one entry point
``async def execute(state, args) -> AppResult``. :data:`APPLICATIONS` lists them explicitly;
nothing registers itself on import, and the interpreter knows no application by name.
"""

from __future__ import annotations

from typing import Protocol

from dialplan_engine.apps import (
    agi,
    answer,
    background,
    busy,
    congestion,
    continuewhile,
    dial,
    endwhile,
    execif,
    exitwhile,
    gosub,
    gosubif,
    goto,
    gotoif,
    gotoiftime,
    hangup,
    log,
    mixmonitor,
    mset,
    noop,
    playback,
    progress,
    raiseexception,
    record,
    return_,
    ringing,
    setvar,
    stackpop,
    stopmixmonitor,
    verbose,
    wait,
    waitexten,
    while_,
)
from dialplan_engine.state import AppResult, ExecState


class Application(Protocol):
    """What an application module provides (each module satisfies it structurally)."""

    NAME: str
    """As Asterisk spells it; looked up case-insensitively."""

    async def execute(self, state: ExecState, args: str) -> AppResult:
        """Run with *args* already substituted (not split: each application splits its own)."""
        ...


APPLICATIONS: tuple[Application, ...] = (
    agi,
    answer,
    background,
    busy,
    congestion,
    continuewhile,
    dial,
    endwhile,
    execif,
    exitwhile,
    gosub,
    gosubif,
    goto,
    gotoif,
    gotoiftime,
    hangup,
    log,
    mixmonitor,
    mset,
    noop,
    playback,
    progress,
    raiseexception,
    record,
    return_,
    ringing,
    setvar,
    stackpop,
    stopmixmonitor,
    verbose,
    wait,
    waitexten,
    while_,
)

_BY_NAME: dict[str, Application] = {app.NAME.lower(): app for app in APPLICATIONS}


def find_application(name: str) -> Application | None:
    """The application called *name* (any letter case), or None."""
    return _BY_NAME.get(name.strip().lower())
