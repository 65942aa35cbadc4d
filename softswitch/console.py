"""The switch console: Asterisk-style CLI commands run against a live switch.

``softswitch cli -x "pjsip show contacts"`` reaches these through the control socket; the
Manager API's ``Command`` action will run the same registry. Each command has its words, a
synopsis and a handler returning text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from softswitch import __version__

if TYPE_CHECKING:
    from softswitch.app import Switch


class ConsoleError(Exception):
    """The command is unknown or its arguments are wrong; the message says which."""


Handler = Callable[["Switch", Sequence[str]], Awaitable[str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    words: tuple[str, ...]
    synopsis: str
    usage: str
    handler: Handler
    max_args: int = 0


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
    out = [line(headers), line(["=" * w for w in widths])]
    out.extend(line(row) for row in rows)
    return "\n".join(out) + "\n"


async def _core_show_version(switch: Switch, _args: Sequence[str]) -> str:
    return f"softswitch {__version__}\n"


async def _core_show_uptime(switch: Switch, _args: Sequence[str]) -> str:
    seconds = int(time.time() - switch.started_at)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"System uptime: {hours} hours, {minutes} minutes, {secs} seconds\n"


async def _core_show_help(_switch: Switch, _args: Sequence[str]) -> str:
    rows = [(" ".join(c.words), c.synopsis) for c in COMMANDS]
    return _table(("Command", "Synopsis"), rows)


async def _pjsip_show_endpoints(switch: Switch, _args: Sequence[str]) -> str:
    endpoints = await switch.store.list_endpoints()
    contacts = await switch.store.list_all_contacts()
    count: dict[str, int] = {}
    for contact in contacts:
        count[contact.aor] = count.get(contact.aor, 0) + 1
    rows = [
        (e.id, e.context, ",".join(e.aors), e.auth or "",
         str(sum(count.get(a, 0) for a in e.aors)))
        for e in endpoints
    ]
    return _table(("Endpoint", "Context", "AORs", "Auth", "Contacts"), rows) + (
        f"\nObjects found: {len(rows)}\n"
    )


async def _pjsip_show_endpoint(switch: Switch, args: Sequence[str]) -> str:
    endpoint = await switch.store.get_endpoint(args[0])
    if endpoint is None:
        raise ConsoleError(f"Unable to find object {args[0]}.")
    lines = [f" Endpoint:  {endpoint.id}", f" Context:   {endpoint.context}",
             f" Auth:      {endpoint.auth or ''}", f" AORs:      {','.join(endpoint.aors)}",
             f" Allow:     {','.join(endpoint.allow)}", f" CallerID:  {endpoint.callerid or ''}"]
    now = time.time()
    for aor in endpoint.aors:
        for contact in await switch.store.list_contacts(aor):
            left = max(0, int(contact.expiration_time - now))
            lines.append(f" Contact:   {aor}/{contact.uri}  {contact.status}  expires in {left}s")
    return "\n".join(lines) + "\n"


async def _pjsip_show_contacts(switch: Switch, _args: Sequence[str]) -> str:
    now = time.time()
    rows = [
        (f"{c.aor}/{c.uri}", c.status, f"{c.rtt_ms:.3f}" if c.rtt_ms is not None else "nan",
         str(max(0, int(c.expiration_time - now))), c.user_agent or "")
        for c in await switch.store.list_all_contacts()
    ]
    return _table(("Contact", "Status", "RTT(ms)", "Expires", "User-Agent"), rows) + (
        f"\nObjects found: {len(rows)}\n"
    )


async def _pjsip_show_aors(switch: Switch, _args: Sequence[str]) -> str:
    rows = [(a.id, str(a.max_contacts), str(a.qualify_frequency), ",".join(a.contacts))
            for a in await switch.store.list_aors()]
    return _table(("Aor", "MaxContact", "Qualify", "Static contacts"), rows) + (
        f"\nObjects found: {len(rows)}\n"
    )


async def _pjsip_show_auths(switch: Switch, _args: Sequence[str]) -> str:
    rows = [(a.id, a.username or "", a.realm or "") for a in await switch.store.list_auths()]
    return _table(("Auth", "Username", "Realm"), rows) + f"\nObjects found: {len(rows)}\n"


async def _pjsip_show_registrations(switch: Switch, _args: Sequence[str]) -> str:
    rows = [(r.id, r.server_uri, r.state.value, str(r.expires))
            for r in switch.registrations.status()]
    return _table(("Registration", "Server", "Status", "Expires"), rows) + (
        f"\nObjects found: {len(rows)}\n"
    )


async def _pjsip_qualify(switch: Switch, args: Sequence[str]) -> str:
    endpoint = await switch.store.get_endpoint(args[0])
    if endpoint is None:
        raise ConsoleError(f"Unable to retrieve endpoint {args[0]}")
    lines = []
    for aor in endpoint.aors:
        for contact in await switch.store.list_contacts(aor):
            status = await switch.qualify.qualify(contact)
            lines.append(f"{aor}/{contact.uri}: {status}")
    return "\n".join(lines) + "\n" if lines else f"Endpoint {endpoint.id} has no contacts\n"


async def _core_show_channels(switch: Switch, _args: Sequence[str]) -> str:
    channels = list(switch.calls.channels.values())
    rows = [
        (c.name, f"{c.context}@{c.exten}:{c.priority}", c.state.description,
         c.application or "", c.callerid)
        for c in channels
    ]
    body = _table(("Channel", "Location", "State", "Application", "CallerID"), rows)
    calls = len({c.linkedid for c in channels})
    return body + f"\n{len(rows)} active channels\n{calls} active calls\n"


async def _core_show_tasks(_switch: Switch, _args: Sequence[str]) -> str:
    # The console's own task is one of them; leaks show as a count that keeps growing.
    return f"{len(asyncio.all_tasks())} asyncio tasks\n"


async def _media_show_status(switch: Switch, _args: Sequence[str]) -> str:
    status = await switch.media.status()
    return (
        f"Ports: {status.ports_free} free of {status.ports_total}\n"
        f"Streams: {status.streams}\nBridges: {status.bridges}\n"
        f"Playbacks: {status.playbacks}\nRecordings: {status.recordings}\n"
    )


COMMANDS: tuple[Command, ...] = (
    Command(words=("core", "show", "version"), synopsis="Display version info",
            usage="core show version", handler=_core_show_version),
    Command(words=("core", "show", "uptime"), synopsis="Show uptime information",
            usage="core show uptime", handler=_core_show_uptime),
    Command(words=("core", "show", "channels"), synopsis="Display information on channels",
            usage="core show channels", handler=_core_show_channels),
    Command(words=("core", "show", "tasks"), synopsis="Count the switch's running tasks",
            usage="core show tasks", handler=_core_show_tasks),
    Command(words=("media", "show", "status"),
            synopsis="Show the media plane's ports, streams and bridges",
            usage="media show status", handler=_media_show_status),
    Command(words=("core", "show", "help"), synopsis="Display help list of commands",
            usage="core show help", handler=_core_show_help),
    Command(words=("pjsip", "show", "endpoints"), synopsis="List PJSIP endpoints",
            usage="pjsip show endpoints", handler=_pjsip_show_endpoints),
    Command(words=("pjsip", "show", "endpoint"), synopsis="Show one PJSIP endpoint",
            usage="pjsip show endpoint <id>", handler=_pjsip_show_endpoint, max_args=1),
    Command(words=("pjsip", "show", "contacts"), synopsis="List registered contacts",
            usage="pjsip show contacts", handler=_pjsip_show_contacts),
    Command(words=("pjsip", "show", "aors"), synopsis="List PJSIP AORs",
            usage="pjsip show aors", handler=_pjsip_show_aors),
    Command(words=("pjsip", "show", "auths"), synopsis="List PJSIP auths",
            usage="pjsip show auths", handler=_pjsip_show_auths),
    Command(words=("pjsip", "show", "registrations"),
            synopsis="List outbound registrations and their state",
            usage="pjsip show registrations", handler=_pjsip_show_registrations),
    Command(words=("pjsip", "qualify"), synopsis="Send an OPTIONS to an endpoint's contacts",
            usage="pjsip qualify <endpoint>", handler=_pjsip_qualify, max_args=1),
)


def find_command(words: Sequence[str]) -> tuple[Command, list[str]]:
    """The command whose words start *words*, longest first, and the remaining arguments."""
    lowered = [w.lower() for w in words]
    for command in sorted(COMMANDS, key=lambda c: -len(c.words)):
        n = len(command.words)
        if tuple(lowered[:n]) == command.words:
            args = list(words[n:])
            if len(args) != command.max_args:
                raise ConsoleError(f"Usage: {command.usage}")
            return command, args
    raise ConsoleError(f"No such command '{' '.join(words)}' (type 'core show help' for help)")


async def execute(switch: Switch, line: str) -> str:
    words = line.split()
    if not words:
        raise ConsoleError("No command given")
    command, args = find_command(words)
    return await command.handler(switch, args)
