"""The switch console: Asterisk-style CLI commands run against a live switch.

``softswitch cli -x "pjsip show contacts"`` reaches these through the control socket; the
Manager API's ``Command`` action runs the same registry. Each command has its words, a
synopsis and a handler returning text. A line is split into words as a shell would, so an
argument with blanks can be quoted (``database put cfg greeting "good morning"``).
"""

from __future__ import annotations

import asyncio
import re
import shlex
import textwrap
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

# The package, not its names: its Command action runs this console in turn, and whichever
# of the two is imported first finds the other half made.
import http_api.ami.actions as manager_actions
from http_api.ami.action_doc import Argument
from http_api.ami.privileges import privilege_text
from softswitch import __version__
from softswitch.astdb_tree import AstDbUnavailable, astdb_tree, tree_prefix
from softswitch.channel import HangupCause
from softswitch.dialplan_admin import select
from softswitch.garbage import collect_report

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
    max_args: int | None = 0
    """The most arguments it takes; None: any number."""
    min_args: int | None = None
    """The fewest arguments it takes; None: exactly :attr:`max_args`."""


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


async def _channel_request_hangup(switch: Switch, args: Sequence[str]) -> str:
    calls = switch.calls
    names = list(calls.controls) if args[0].lower() == "all" else [args[0]]
    lines = []
    for name in names:
        control = calls.control(name)
        if control is None:
            raise ConsoleError(f"{name} is not a known channel")
        await control.request_hangup(HangupCause.NORMAL_CLEARING)
        lines.append(f"Requested Hangup on channel '{name}'\n")
    return "".join(lines)


async def _core_show_tasks(_switch: Switch, _args: Sequence[str]) -> str:
    # The console's own task is one of them; leaks show as a count that keeps growing.
    return f"{len(asyncio.all_tasks())} asyncio tasks\n"


async def _core_show_garbage(_switch: Switch, _args: Sequence[str]) -> str:
    report = collect_report()
    lines = [
        f"Full collection: {report.unreachable} unreachable objects freed in "
        f"{report.seconds * 1000:.1f} ms\n",
        f"Tracked: {report.tracked[0]} young, {report.tracked[1]} middle, "
        f"{report.tracked[2]} old, {report.frozen} frozen\n",
        f"Freed by collections since start: {report.freed_since_start}\n",
    ]
    lines.extend(f"{count:10d}  {name}\n" for name, count in report.by_type)
    return "".join(lines)


async def _media_show_status(switch: Switch, _args: Sequence[str]) -> str:
    status = await switch.media.status()
    return (
        f"Ports: {status.ports_free} free of {status.ports_total}\n"
        f"Streams: {status.streams}\nBridges: {status.bridges}\n"
        f"Playbacks: {status.playbacks}\nRecordings: {status.recordings}\n"
    )


# -- dialplan ---------------------------------------------------------------------------------

# Asterisk's name for the dialplan of extensions.conf, where the stored rows come from.
_REGISTRAR = "pbx_config"


def _dialplan_filter(args: Sequence[str]) -> tuple[str, str]:
    """``(context, exten)`` from ``CONTEXT``, ``EXTEN@CONTEXT`` or ``EXTEN@``."""
    if not args:
        return "", ""
    exten, at, context = args[0].rpartition("@")
    return (context, exten) if at else (args[0], "")


async def _dialplan_show(switch: Switch, args: Sequence[str]) -> str:
    context, exten = _dialplan_filter(args)
    selection = select(await switch.dialplan.current(), context=context, exten=exten)
    if not selection.context_found:
        raise ConsoleError(f"There is no existence of '{context}' context")
    if exten and not selection.extensions:
        where = f"{exten}@{context}" if context else f"'{exten}'"
        raise ConsoleError(f"There is no existence of {where} extension")
    lines = []
    for ctx, extensions in selection.contexts:
        lines.append(f"[ Context '{ctx.name}' created by '{_REGISTRAR}' ]")
        for extension in extensions:
            name = f"'{extension.name}' =>" if extension.cid is None else (
                f"'{extension.name}' (CID match '{extension.cid}') =>")
            for priority in extension.priorities:
                step = f"{priority.number}. {priority.app}({priority.appdata})"
                lines.append(f"  {name:<17} {step:<45} [{_REGISTRAR}]")
                name = ""
        lines.append("")
    contexts = len(selection.contexts)
    lines.append(
        f"-= {selection.extensions} {'extension' if selection.extensions == 1 else 'extensions'}"
        f" ({selection.priorities}"
        f" {'priority' if selection.priorities == 1 else 'priorities'})"
        f" in {contexts} {'context' if contexts == 1 else 'contexts'}. =-"
    )
    return "\n".join(lines) + "\n"


# -- manager ----------------------------------------------------------------------------------

_HELP_WIDTH = 80
_ROLE = re.compile(r":[a-z:]+:`~?(?:[\w.]*\.)?([^`]+)`")
_ACTION_ID = Argument(
    name="ActionID", description="ActionID for this transaction. Will be returned.")


async def _manager_show_commands(_switch: Switch, _args: Sequence[str]) -> str:
    actions = sorted(manager_actions.ACTIONS, key=lambda action: action.name.lower())
    width = max(len(action.name) for action in actions)
    rows = [("Action", "Synopsis"), ("------", "--------")]
    rows += [(action.name, action.synopsis) for action in actions]
    return "".join(f"  {name:<{width}}  {synopsis[:_HELP_WIDTH - width]}".rstrip() + "\n"
                   for name, synopsis in rows)


def _plain(text: str) -> str:
    """A docstring's text without its reStructuredText markup: ``X`` and :role:`~a.b.X`
    both read X."""
    return _ROLE.sub(r"\1", text).replace("``", "")


def _wrapped(text: str, indent: str = "") -> list[str]:
    """Each paragraph of *text* filled to the console's width."""
    return [
        textwrap.fill(" ".join(paragraph.split()), _HELP_WIDTH, initial_indent=indent,
                      subsequent_indent=indent)
        for paragraph in _plain(text).split("\n\n")
        if paragraph.strip()
    ]


def manager_help(action: manager_actions.Action) -> str:
    """``manager show command`` text for *action*, laid out as Asterisk 20 prints it."""
    arguments = (_ACTION_ID, *action.arguments)
    syntax = [f"Action: {action.name}"] + [
        f"{argument.name}: <value>" if argument.required else f"[{argument.name}:] <value>"
        for argument in arguments
    ]
    described = []
    for argument in arguments:
        described.append(argument.name)
        described += _wrapped(argument.description, "    ")
    sections = (
        ("Syntax", syntax),
        ("Synopsis", _wrapped(action.synopsis)),
        ("Description", _wrapped(action.description) or ["Not available"]),
        ("Arguments", described),
        ("See Also", ["Not available"]),
        ("Privilege", [privilege_text(action.privilege)]),
        ("List Responses", ["None"]),
        ("Final Response", ["None"]),
    )
    return "".join(f"[{title}]\n" + "\n".join(body) + "\n\n" for title, body in sections)


async def _manager_show_command(_switch: Switch, args: Sequence[str]) -> str:
    known = manager_actions.by_name()
    missing = [name for name in args if name.lower() not in known]
    if missing:
        raise ConsoleError(f"No such manager command: {', '.join(missing)}")
    return "".join(manager_help(known[name.lower()]) for name in args)


# -- database ---------------------------------------------------------------------------------


async def _database_show(switch: Switch, args: Sequence[str]) -> str:
    try:
        entries = await astdb_tree(switch.dialplan.astdb, switch.store, tree_prefix(*args))
    except AstDbUnavailable as exc:
        raise ConsoleError(f"Database unavailable: {exc}") from None
    lines = [f"{path:<50}: {value}" for path, value in entries]
    lines.append(f"{len(entries)} result{'' if len(entries) == 1 else 's'} found.")
    return "\n".join(lines) + "\n"


async def _database_get(switch: Switch, args: Sequence[str]) -> str:
    value = switch.dialplan.astdb.get(args[0], args[1])
    return "Database entry not found.\n" if value is None else f"Value: {value}\n"


async def _database_put(switch: Switch, args: Sequence[str]) -> str:
    try:
        switch.dialplan.astdb.put(args[0], args[1], args[2])
    except ValueError:
        return "Failed to update entry\n"
    return "Updated database successfully\n"


async def _database_del(switch: Switch, args: Sequence[str]) -> str:
    if switch.dialplan.astdb.delete(args[0], args[1]):
        return "Database entry removed.\n"
    return "Database entry does not exist.\n"


async def _database_deltree(switch: Switch, args: Sequence[str]) -> str:
    deleted = switch.dialplan.astdb.delete_tree(*args)
    if not deleted:
        return "Database entries do not exist.\n"
    return f"{deleted} database entr{'y' if deleted == 1 else 'ies'} removed.\n"


COMMANDS: tuple[Command, ...] = (
    Command(words=("core", "show", "version"), synopsis="Display version info",
            usage="core show version", handler=_core_show_version),
    Command(words=("core", "show", "uptime"), synopsis="Show uptime information",
            usage="core show uptime", handler=_core_show_uptime),
    Command(words=("core", "show", "channels"), synopsis="Display information on channels",
            usage="core show channels", handler=_core_show_channels),
    Command(words=("channel", "request", "hangup"), synopsis="Request a hangup on a given "
            "channel", usage="channel request hangup <channel>|<all>",
            handler=_channel_request_hangup, max_args=1),
    Command(words=("core", "show", "tasks"), synopsis="Count the switch's running tasks",
            usage="core show tasks", handler=_core_show_tasks),
    Command(words=("core", "show", "garbage"),
            synopsis="Run a full garbage collection and show what it freed",
            usage="core show garbage", handler=_core_show_garbage),
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
    Command(words=("dialplan", "show"), synopsis="Show dialplan",
            usage="dialplan show [[EXTEN@]CONTEXT]", handler=_dialplan_show, min_args=0,
            max_args=1),
    Command(words=("manager", "show", "commands"),
            synopsis="List manager interface commands", usage="manager show commands",
            handler=_manager_show_commands),
    Command(words=("manager", "show", "command"),
            synopsis="Show a manager interface command",
            usage="manager show command <actionname> [<actionname> [...]]",
            handler=_manager_show_command, min_args=1, max_args=None),
    Command(words=("database", "show"), synopsis="Shows database contents",
            usage="database show [family [keytree]]", handler=_database_show, min_args=0,
            max_args=2),
    Command(words=("database", "get"), synopsis="Gets database value",
            usage="database get <family> <key>", handler=_database_get, max_args=2),
    Command(words=("database", "put"), synopsis="Adds/updates database value",
            usage="database put <family> <key> <value>", handler=_database_put, max_args=3),
    Command(words=("database", "del"), synopsis="Removes database key/value",
            usage="database del <family> <key>", handler=_database_del, max_args=2),
    Command(words=("database", "deltree"), synopsis="Removes database keytree/values",
            usage="database deltree <family> [keytree]", handler=_database_deltree,
            min_args=1, max_args=2),
)


def find_command(words: Sequence[str]) -> tuple[Command, list[str]]:
    """The command whose words start *words*, longest first, and the remaining arguments."""
    lowered = [w.lower() for w in words]
    for command in sorted(COMMANDS, key=lambda c: -len(c.words)):
        n = len(command.words)
        if tuple(lowered[:n]) == command.words:
            args = list(words[n:])
            fewest = command.max_args if command.min_args is None else command.min_args
            most = command.max_args
            if len(args) < (fewest or 0) or (most is not None and len(args) > most):
                raise ConsoleError(f"Usage: {command.usage}")
            return command, args
    raise ConsoleError(f"No such command '{' '.join(words)}' (type 'core show help' for help)")


async def execute(switch: Switch, line: str) -> str:
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise ConsoleError(f"Cannot read the command: {exc}") from None
    if not words:
        raise ConsoleError("No command given")
    command, args = find_command(words)
    return await command.handler(switch, args)
