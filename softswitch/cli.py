"""The ``softswitch`` command: run the switch, load configuration, manage endpoints, the
dialplan and the Evolvex API keys.

Exit codes: 0 success, 1 the named object does not exist (or already does, for ``add``),
2 a usage, configuration or input error. Results go to stdout, errors to stderr as
``softswitch: message``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import cast

from dialplan_engine.errors import DialplanSyntaxError
from dialplan_engine.model import Dialplan
from dialplan_engine.parser import load_extensions_conf
from softswitch import __version__
from softswitch.asterisk_conf import AsteriskConfError, ConfSection, read_conf
from softswitch.config import Config, ConfigError, load_config
from softswitch.dialplan_store import DialplanLoadSummary, not_stored, store_dialplan
from softswitch.manager_conf import is_manager_conf, manager_users
from softswitch.pjsip_import import is_pjsip_conf, pjsip_objects
from softswitch.storage import (
    AorRecord,
    ApiAccessGroupRecord,
    ApiAccessRecord,
    ApiUserRecord,
    AuthRecord,
    ContactRecord,
    Database,
    EndpointRecord,
    PjsipObjects,
    StorageError,
    Store,
)
from softswitch.storage.fields import record_specs

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2

MASK = "********"
_SECRET_FIELDS = frozenset({"password", "md5_cred", "password_digest"})
_MANAGER_CONF = "manager.conf"
_EXTENSIONS_CONF = "extensions.conf"
_EXTEN_LINE = re.compile(r"^[ \t]*(?:exten|same)[ \t]*=>", re.MULTILINE)
# Asterisk's ``dialplan show`` columns.
_SHOW_EXTEN_WIDTH = 17
_SHOW_STEP_WIDTH = 45
# A context as extensions.conf can name it: no blanks, commas or brackets; the column holds 80.
_CONTEXT_NAME = re.compile(r"[^\s,\[\]]{1,80}")


class CommandError(Exception):
    """A command cannot proceed; carries the exit code and the message for stderr."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="softswitch",
        description="A pure-Python softswitch: SIP registrar, B2BUA and RTP media server.",
    )
    parser.add_argument("--version", action="version", version=f"softswitch {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: $SOFTSWITCH_CONFIG, else conf/softswitch.toml)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    commands.add_parser("serve", help="run the switch until SIGTERM or SIGINT")

    config = commands.add_parser("config", help="load Asterisk configuration files")
    config_commands = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = config_commands.add_parser(
        "load", help="import a pjsip.conf, manager.conf or extensions.conf into the database"
    )
    load.add_argument("file", type=Path, metavar="FILE")

    dialplan = commands.add_parser("dialplan", help="load, show and export the dialplan")
    dialplan_commands = dialplan.add_subparsers(dest="action", metavar="ACTION", required=True)
    dialplan_load = dialplan_commands.add_parser(
        "load", help="import an extensions.conf, replacing the contexts it defines"
    )
    dialplan_load.add_argument("file", type=Path, metavar="FILE")
    dialplan_load.add_argument(
        "--merge",
        action="store_true",
        help="keep the contexts' other rows: write over the same (context, exten, priority)",
    )
    dialplan_show = dialplan_commands.add_parser("show", help="list the dialplan, as Asterisk")
    dialplan_show.add_argument("context", nargs="?", metavar="CONTEXT")
    dialplan_commands.add_parser("export", help="print the dialplan as extensions.conf")
    check = dialplan_commands.add_parser(
        "check", help="parse an extensions.conf and report, without the database"
    )
    check.add_argument("file", type=Path, metavar="FILE")

    endpoint = commands.add_parser("endpoint", help="list, show, add and remove endpoints")
    endpoint_commands = endpoint.add_subparsers(dest="action", metavar="ACTION", required=True)
    endpoint_commands.add_parser("list", help="one line per endpoint")
    show = endpoint_commands.add_parser("show", help="an endpoint with its auth, AORs, contacts")
    show.add_argument("id", metavar="ID")
    add = endpoint_commands.add_parser(
        "add", help="create a phone: an endpoint, an auth and an AOR, all named ID"
    )
    add.add_argument("id", metavar="ID")
    add.add_argument("--password", required=True, help="the phone's SIP password")
    add.add_argument("--context", default="internal", help="dialplan context (internal)")
    add.add_argument("--allow", default="ulaw,alaw", help="codecs in order (ulaw,alaw)")
    add.add_argument("--max-contacts", type=int, default=1, help="devices that may register (1)")
    add.add_argument("--callerid", help="caller ID forced on its calls, e.g. '\"Ann\" <101>'")
    remove = endpoint_commands.add_parser(
        "remove", help="delete an endpoint, its same-named auth and AOR, and its contacts"
    )
    remove.add_argument("id", metavar="ID")

    _api_user_parser(commands)

    cli = commands.add_parser("cli", help="run a console command on the running switch")
    cli.add_argument("-x", dest="command_text", required=True, metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
        return _dispatch(args, config)
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    except (ConfigError, AsteriskConfError, StorageError, DialplanSyntaxError) as exc:
        return _fail(str(exc), EXIT_USAGE)


def _fail(message: str, code: int) -> int:
    print(f"softswitch: {message}", file=sys.stderr)
    return code


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.command == "serve":
        run_server = _late_bound("softswitch.app", "run_server")
        return _exit_code(run_server(config))
    if args.command == "cli":
        run_remote = _late_bound("softswitch.console_client", "run_remote")
        return _exit_code(run_remote(config, args.command_text))
    if args.command == "config":
        path: Path = args.file
        if _is_extensions_conf(path):
            return _dialplan_load(config, path, merge=False)
        return asyncio.run(_with_store(config, lambda store: _config_load(store, path)))
    if args.command == "dialplan":
        return _dialplan(config, args)
    if args.command == "api-user":
        return asyncio.run(_with_store(config, lambda store: _api_user(store, args)))
    actions: dict[str, Callable[[Store], Awaitable[int]]] = {
        "list": _endpoint_list,
        "show": lambda store: _endpoint_show(store, args.id),
        "add": lambda store: _endpoint_add(store, args),
        "remove": lambda store: _endpoint_remove(store, args.id),
    }
    return asyncio.run(_with_store(config, actions[args.action]))


def _late_bound(module: str, name: str) -> Callable[..., object]:
    # Imported on use: the server and the console client pull in the whole stack, which the
    # database commands neither need nor should pay for at every start.
    return cast("Callable[..., object]", getattr(importlib.import_module(module), name))


def _exit_code(result: object) -> int:
    return result if isinstance(result, int) else EXIT_OK


async def _with_store(config: Config, action: Callable[[Store], Awaitable[int]]) -> int:
    database = await Database.open(config.database.url)
    try:
        return await action(database.store)
    finally:
        await database.close()


# config load


async def _config_load(store: Store, path: Path) -> int:
    sections = read_conf(path)
    if path.name == _MANAGER_CONF or (path.name != "pjsip.conf" and is_manager_conf(sections)):
        return await _manager_load(store, path, sections)
    if path.name != "pjsip.conf" and not is_pjsip_conf(sections):
        raise CommandError(
            f"{path}: cannot tell what kind of configuration this is"
            " (pjsip.conf, manager.conf, or a file of sections with a PJSIP type=, can be loaded)"
        )
    objects = pjsip_objects(sections)
    summary = await store.replace_objects(objects)
    print(f"{path.name}: {summary}")
    for warning in objects.warnings:
        print(f"warning: {warning}")
    return EXIT_OK


async def _manager_load(store: Store, path: Path, sections: Sequence[ConfSection]) -> int:
    loaded = manager_users(sections)
    await store.replace_manager_users(loaded.users)
    print(f"{path.name}: {loaded} imported")
    for warning in loaded.warnings:
        print(f"warning: {warning}")
    return EXIT_OK


# dialplan load / show / export / check


def _is_extensions_conf(path: Path) -> bool:
    if path.name == _EXTENSIONS_CONF:
        return True
    if path.name == "pjsip.conf":
        return False
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False  # the pjsip.conf reader says why the file cannot be read
    return _EXTEN_LINE.search(text) is not None


def _dialplan(config: Config, args: argparse.Namespace) -> int:
    if args.action == "load":
        return _dialplan_load(config, args.file, merge=args.merge)
    if args.action == "check":
        return _dialplan_check(args.file)
    if args.action == "show":
        context: str | None = args.context
        return asyncio.run(_with_store(config, lambda store: _dialplan_show(store, context)))
    return asyncio.run(_with_store(config, _dialplan_export))


def _parse_dialplan(path: Path) -> Dialplan:
    try:
        return load_extensions_conf(path)
    except OSError as exc:
        raise CommandError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _dialplan_load(config: Config, path: Path, *, merge: bool) -> int:
    # Parsed before the database is opened: a file with an error changes nothing at all.
    dialplan = _parse_dialplan(path)

    async def load(store: Store) -> int:
        summary = await store_dialplan(store, dialplan, merge=merge)
        _print_summary(path, summary)
        return EXIT_OK

    return asyncio.run(_with_store(config, load))


def _dialplan_check(path: Path) -> int:
    dialplan = _parse_dialplan(path)
    warnings = (*dialplan.warnings, *not_stored(dialplan))
    print(
        f"{path.name}: syntax OK, {_counted(len(dialplan.contexts), 'context', 'contexts')},"
        f" {_counted(len(dialplan.to_rows()), 'priority', 'priorities')}"
        f" ({_counted(len(warnings), 'warning', 'warnings')})"
    )
    for warning in warnings:
        print(f"warning: {warning}")
    return EXIT_OK


def _print_summary(path: Path, summary: DialplanLoadSummary) -> None:
    print(f"{path.name}: {summary}")
    for warning in summary.warnings:
        print(f"warning: {warning}")


async def _dialplan_show(store: Store, context: str | None) -> int:
    rows = await store.list_dialplan_rows(context)
    if context is not None and not rows:
        raise CommandError(f"no context {context!r}", EXIT_NOT_FOUND)
    dialplan = Dialplan.from_rows(rows)
    extensions = priorities = 0
    for ctx in dialplan.contexts.values():
        print(f"[ Context '{ctx.name}' created by 'realtime' ]")
        for extension in ctx.extensions:
            extensions += 1
            label = f"'{extension.display}' =>"
            for priority in extension.priorities:
                priorities += 1
                step = f"{priority.number}. {priority.app}({priority.appdata})"
                print(
                    f"  {label:<{_SHOW_EXTEN_WIDTH}} {step:<{_SHOW_STEP_WIDTH}} [{priority.source}]"
                )
                label = ""
        print()
    contexts = len(dialplan.contexts)
    print(
        f"-= {_counted(extensions, 'extension', 'extensions')}"
        f" ({_counted(priorities, 'priority', 'priorities')})"
        f" in {_counted(contexts, 'context', 'contexts')}. =-"
    )
    for warning in dialplan.warnings:
        print(f"warning: {warning}")
    return EXIT_OK


def _counted(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


async def _dialplan_export(store: Store) -> int:
    dialplan = Dialplan.from_rows(await store.list_dialplan_rows(), await store.list_globals())
    try:
        text = dialplan.to_extensions_conf()
    except ValueError as exc:
        raise CommandError(f"cannot export the dialplan: {exc}") from None
    # Warnings to stderr: stdout is the file.
    for warning in dialplan.warnings:
        print(f"softswitch: warning: {warning}", file=sys.stderr)
    sys.stdout.write(text)
    return EXIT_OK


# endpoint list / show / add / remove


async def _endpoint_list(store: Store) -> int:
    endpoints = await store.list_endpoints()
    live = _live_by_aor(await store.list_all_contacts(), time.time())
    rows = [
        [
            endpoint.id,
            endpoint.context,
            ",".join(endpoint.aors) or "-",
            endpoint.auth or "-",
            str(sum(live.get(aor, 0) for aor in endpoint.aors)),
        ]
        for endpoint in endpoints
    ]
    _table(["Endpoint", "Context", "AORs", "Auth", "Contacts"], rows)
    print(f"{len(endpoints)} endpoint{'' if len(endpoints) == 1 else 's'}")
    return EXIT_OK


def _live_by_aor(contacts: Sequence[ContactRecord], now: float) -> dict[str, int]:
    counts: dict[str, int] = {}
    for contact in contacts:
        if contact.expiration_time > now:
            counts[contact.aor] = counts.get(contact.aor, 0) + 1
    return counts


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=False)]
    for cells in (header, ["-" * width for width in widths], *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)))


async def _endpoint_show(store: Store, endpoint_id: str) -> int:
    endpoint = await store.get_endpoint(endpoint_id)
    if endpoint is None:
        raise CommandError(f"no endpoint {endpoint_id!r}", EXIT_NOT_FOUND)
    print(f"Endpoint: {endpoint.id}")
    _fields(endpoint)
    if endpoint.auth:
        auth = await store.get_auth(endpoint.auth)
        print(f"\nAuth: {endpoint.auth}")
        if auth is None:
            print("  (not defined)")
        else:
            _fields(auth)
    now = time.time()
    for aor_id in endpoint.aors:
        aor = await store.get_aor(aor_id)
        print(f"\nAOR: {aor_id}")
        if aor is None:
            print("  (not defined)")
            continue
        _fields(aor)
        _contacts(aor, await store.list_contacts(aor_id), now)
    return EXIT_OK


def _fields(record: EndpointRecord | AuthRecord | AorRecord) -> None:
    specs = [spec for spec in record_specs(type(record)) if spec.name != "id"]
    width = max(len(spec.option) for spec in specs)
    for spec in specs:
        value = getattr(record, spec.name)
        if spec.name in _SECRET_FIELDS and value:
            text = MASK
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, tuple):
            text = spec.separator.join(value)
        elif value is None:
            text = ""
        else:
            text = str(value)
        print(f"  {spec.option.ljust(width)} : {text}")


def _contacts(aor: AorRecord, contacts: Sequence[ContactRecord], now: float) -> None:
    print("  Contacts:")
    if not contacts and not aor.contacts:
        print("    (none)")
    for uri in aor.contacts:
        print(f"    {uri}  (static)")
    for contact in contacts:
        left = max(0, contact.expiration_time - int(now))
        source = (
            f"{contact.source_transport or '?'}:{contact.source_host}:{contact.source_port}"
            if contact.source_host
            else "-"
        )
        status = contact.status + (f" ({contact.rtt_ms:.1f} ms)" if contact.rtt_ms else "")
        print(
            f"    {contact.uri}  expires in {left} s  agent {contact.user_agent or '-'}"
            f"  from {source}  {status}"
        )


async def _endpoint_add(store: Store, args: argparse.Namespace) -> int:
    endpoint_id: str = args.id
    if await store.get_endpoint(endpoint_id) is not None:
        raise CommandError(f"endpoint {endpoint_id!r} already exists", EXIT_NOT_FOUND)
    try:
        objects = PjsipObjects(
            endpoints=(
                EndpointRecord(
                    id=endpoint_id,
                    aors=(endpoint_id,),
                    auth=endpoint_id,
                    context=args.context,
                    disallow=("all",),
                    allow=tuple(c.strip() for c in args.allow.split(",") if c.strip()),
                    callerid=args.callerid,
                    # Phones are mostly behind NAT: answer and send media where packets
                    # come from, as the demo phones do.
                    rtp_symmetric=True,
                    force_rport=True,
                    rewrite_contact=True,
                ),
            ),
            auths=(
                AuthRecord(
                    id=endpoint_id,
                    auth_type="userpass",
                    username=endpoint_id,
                    password=args.password,
                ),
            ),
            aors=(AorRecord(id=endpoint_id, max_contacts=args.max_contacts, remove_existing=True),),
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    await store.replace_objects(objects)
    print(f"endpoint {endpoint_id} added (auth {endpoint_id}, aor {endpoint_id})")
    return EXIT_OK


async def _endpoint_remove(store: Store, endpoint_id: str) -> int:
    if not await store.remove_endpoint_with_objects(endpoint_id):
        raise CommandError(f"no endpoint {endpoint_id!r}", EXIT_NOT_FOUND)
    print(f"endpoint {endpoint_id} removed")
    return EXIT_OK


# api-user add / list / disable / enable / remove


def _api_user_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    api_user = commands.add_parser("api-user", help="keys of the Evolvex HTTP API")
    actions = api_user.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", help="create a key allowed to originate into the given contexts; prints the key"
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--context", action="append", required=True, metavar="CTX",
                     help="a dialplan context the key may use (repeat for more)")
    add.add_argument("--description", default="", help="who or what the key is for")
    actions.add_parser("list", help="one line per key")
    for action, text in (("disable", "refuse the key (403) until enabled again"),
                         ("enable", "accept a disabled key again"),
                         ("remove", "delete the key and its access group")):
        actions.add_parser(action, help=text).add_argument("name", metavar="NAME")


async def _api_user(store: Store, args: argparse.Namespace) -> int:
    name: str = args.name if args.action != "list" else ""
    if args.action == "add":
        return await _api_user_add(store, name, args.context, args.description)
    if args.action == "list":
        return await _api_user_list(store)
    if args.action == "remove":
        if not await store.remove_api_user(name):
            raise CommandError(f"no API user {name!r}", EXIT_NOT_FOUND)
        print(f"API user {name} removed")
        return EXIT_OK
    enabled = args.action == "enable"
    if not await store.set_api_user_enabled(name, enabled):
        raise CommandError(f"no API user {name!r}", EXIT_NOT_FOUND)
    print(f"API user {name} {'enabled' if enabled else 'disabled'}")
    return EXIT_OK


async def _api_user_add(store: Store, name: str, contexts: Sequence[str],
                        description: str) -> int:
    if await store.get_api_user(name) is not None:
        raise CommandError(f"API user {name!r} already exists", EXIT_NOT_FOUND)
    names = list(dict.fromkeys(context.strip() for context in contexts))
    bad = [context for context in names if not _CONTEXT_NAME.fullmatch(context)]
    if bad:
        raise CommandError(f"not a context name: {bad[0]!r}")
    group = ApiAccessGroupRecord(uuid=str(uuid.uuid4()), name=name, description=description)
    try:
        user = ApiUserRecord(uuid=str(uuid.uuid4()), name=name, description=description,
                             api_key=str(uuid.uuid4()), group_uuid=group.uuid)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    access = [ApiAccessRecord(uuid=str(uuid.uuid4()), name=context, group_uuid=group.uuid)
              for context in names]
    await store.add_api_user(user, group, access)
    # The key alone on stdout, so that a script can take it: KEY=$(softswitch api-user add …)
    print(user.api_key)
    return EXIT_OK


async def _api_user_list(store: Store) -> int:
    users = await store.list_api_users()
    rows = []
    for user in users:
        contexts = [entry.name for entry in await store.list_api_access(user.group_uuid)]
        rows.append([user.name, "yes" if user.enabled else "no", user.api_key,
                     ",".join(contexts) or "-", user.description or "-"])
    _table(["Name", "Enabled", "Key", "Contexts", "Description"], rows)
    print(_counted(len(users), "API user", "API users"))
    return EXIT_OK
