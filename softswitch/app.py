"""The running switch: opens storage, starts the SIP stack and the services, stops cleanly.

``run_server`` is what ``softswitch serve`` calls. It logs one ``softswitch ready`` line when
every listener is up, and on SIGTERM/SIGINT stops taking requests (new ones get 503), lets
the services finish, flushes storage and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvloop

from http_api.ami.server import AmiServer
from http_api.server import HttpServer
from sip.address import Address
from sip.auth import DigestAlgorithm, DigestServer
from sip.message import Limits, Method, Request, Response
from sip.stack import SipStack, StackConfig
from sip.transaction import TimerConfig
from sip.transport import StreamTimeouts
from softswitch import __version__
from softswitch.authenticator import Authenticator, load_or_create_secret
from softswitch.calls.dialogs import DialogRegistry
from softswitch.calls.service import CallService
from softswitch.cdr import CdrService
from softswitch.config import Config
from softswitch.control import ControlServer
from softswitch.dialplan_runner import DialplanRunner
from softswitch.dialplan_store import DialplanSource, PersistentAstDb, bootstrap_dialplan
from softswitch.events import EventBus, FullyBooted
from softswitch.identify import EndpointIdentifier
from softswitch.mediaplane.client import MediaPlane
from softswitch.options_service import OptionsService
from softswitch.outbound_registration import OutboundRegistrations
from softswitch.pjsip_import import load_pjsip_conf
from softswitch.qualify import QualifyService
from softswitch.registrar_service import RegistrarService
from softswitch.sip_router import SipRouter
from softswitch.storage.database import Database
from softswitch.storage.repository import Store

log = logging.getLogger(__name__)

EXPIRY_SWEEP_S = 15.0
YOUNG_COLLECTION_AFTER = 10_000
"""Allocations (less deallocations) between collections of the youngest generation."""
FULL_COLLECTION_AFTER = 20
"""Collections of the middle generation before the garbage collector looks at the oldest:
about every 100 s at 200 calls a second."""


@dataclass(slots=True)
class Switch:
    """Everything one running node holds; the console and the APIs read from it."""

    config: Config
    database: Database
    store: Store
    events: EventBus
    stack: SipStack
    qualify: QualifyService
    registrations: OutboundRegistrations
    calls: CallService
    media: MediaPlane
    dialplan: DialplanRunner
    """Runs calls through the stored dialplan; its ``astdb`` is the one ``DB()`` uses."""
    started_at: float = field(default_factory=time.time)
    reloaded_at: float | None = None
    """When the Manager's ``Reload`` last ran; None until it does."""


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic narrates every migration step at INFO; the storage layer logs the outcome.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # The format names no source file, so finding the caller's frame per record is waste.
    logging._srcfile = None


def run_server(config: Config) -> int:
    """Run until SIGTERM/SIGINT; return the process exit code."""
    configure_logging()
    return uvloop.run(serve(config))


async def serve(config: Config) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running_switch(config) as switch:
        _tune_garbage_collector()
        log.info(
            "softswitch ready: %s (version %s, database %s)",
            ", ".join(_listeners(switch)), __version__, _safe_url(config.database.url),
        )
        switch.events.publish(FullyBooted())
        await stop.wait()
        log.info("softswitch stopping")
    log.info("softswitch stopped")
    return 0


def _tune_garbage_collector() -> None:
    """Keep what start-up built out of every later collection, and collect less often.

    Start-up leaves some 100k long-lived objects (SQLAlchemy, Alembic, aiohttp, the parsed
    configuration) that each collection of the oldest generation would walk again, a pause
    of tens of milliseconds in the middle of call set-ups.
    """
    gc.collect()
    gc.freeze()
    # A call's objects live about as long as the call. Collected every 700 allocations (the
    # default, some 30 ms at 200 calls a second), they are examined in the young and the
    # middle generation and reach the oldest before they die; every 10,000, most die first.
    # Answered transactions linger 32 s (RFC 3261 Timers J, K, L, M), so under load the
    # oldest generation grows by thousands of objects a second, which by default triggers
    # a full collection, a pause of 100 ms and more, every few seconds.
    # Calls free their own objects (no cycles), so full collections can be rare.
    gc.set_threshold(YOUNG_COLLECTION_AFTER, 10, FULL_COLLECTION_AFTER)


@contextlib.asynccontextmanager
async def running_switch(config: Config) -> AsyncIterator[Switch]:
    """Start every part of the switch; on exit stop them in reverse order."""
    for folder in (config.paths.data, config.paths.sounds, config.paths.recordings,
                   config.paths.agi):
        folder.mkdir(parents=True, exist_ok=True)
    async with contextlib.AsyncExitStack() as parts:
        database = await Database.open(config.database.url)
        parts.push_async_callback(database.close)
        store = database.store
        await _bootstrap(config, store)
        if config.bootstrap.extensions is not None:
            summary = await bootstrap_dialplan(store, config.bootstrap.extensions)
            if summary:
                log.info("imported into the empty dialplan: %s", summary)
        pruned = await store.prune_contacts_on_boot(config.node_name)
        expired = await store.delete_expired_contacts(time.time())
        if pruned or expired:
            log.info("removed %d stale and %d expired contacts", pruned, expired)
        events = EventBus()
        # Registered before everything that makes calls, so it closes after them.
        parts.push_async_callback(CdrService(events=events, store=store).close)
        digest = DigestServer(
            secret=load_or_create_secret(config.paths.data / "nonce.key"),
            clock=time.time,
            algorithms=[DigestAlgorithm.parse(a) for a in config.sip.auth_algorithms],
            # As Asterisk: some clients hash the Request-URI without its user part.
            check_uri=False,
        )
        authenticator = Authenticator(digest, config.sip.realm)
        identifier = EndpointIdentifier(store)
        registrar = RegistrarService(
            store=store, identifier=identifier, authenticator=authenticator,
            events=events, node_name=config.node_name,
        )
        astdb = await PersistentAstDb.load(store)
        parts.push_async_callback(astdb.close)
        dialplan = DialplanRunner(source=DialplanSource(store), astdb=astdb,
                                  systemname=config.node_name)
        media = await MediaPlane.start(port_min=config.rtp.port_min,
                                       port_max=config.rtp.port_max)
        parts.push_async_callback(media.close)
        # The router asks the stack for our own Via sent-by (loop detection) only once
        # requests flow, by which time ``stack`` below is bound.
        dialogs = DialogRegistry()
        router = SipRouter(local_sent_by=lambda: _local_sent_by(stack), dialogs=dialogs)
        stack = SipStack(_stack_config(config), router)
        stack.on_ack = lambda request, source: _route_ack(dialogs, request, source)
        stack.on_stray_response = lambda response, source: _route_stray(dialogs, response,
                                                                        source)
        calls = CallService(stack=stack, store=store, identifier=identifier,
                            authenticator=authenticator, media=media, dialogs=dialogs,
                            events=events, dialplan=dialplan, paths=config.paths,
                            user_agent=config.sip.user_agent)
        parts.push_async_callback(calls.post_recording.close)
        parts.push_async_callback(calls.lingering.close)
        parts.push_async_callback(calls.originated.close)
        router.register(Method.REGISTER, registrar.handle)
        router.register(Method.OPTIONS, OptionsService(store, lambda: router.allow).handle)
        router.register(Method.INVITE, calls.handle_invite)
        await stack.start(
            udp=(config.sip.udp.host, config.sip.udp.port) if config.sip.udp else None,
            tcp=(config.sip.tcp.host, config.sip.tcp.port) if config.sip.tcp else None,
        )
        parts.push_async_callback(stack.close)
        # Unwound first: live calls get their BYE while the stack can still send it.
        parts.push_async_callback(calls.hang_up_all)
        qualify = QualifyService(stack=stack, store=store, events=events,
                                 user_agent=config.sip.user_agent)
        registrations = OutboundRegistrations(stack=stack, store=store, events=events,
                                              user_agent=config.sip.user_agent)
        switch = Switch(config=config, database=database, store=store, events=events,
                        stack=stack, qualify=qualify, registrations=registrations,
                        calls=calls, media=media, dialplan=dialplan)
        sweeper = asyncio.ensure_future(_sweep_expired(store))
        parts.push_async_callback(_cancel, sweeper)
        await qualify.start()
        parts.push_async_callback(qualify.close)
        await registrations.start()

        async def close_registrations() -> None:
            # Looked up at exit: a reload replaces the switch's registrations with fresh ones.
            await switch.registrations.close()

        parts.push_async_callback(close_registrations)
        control = ControlServer(switch, config.paths.data / "softswitch.ctl")
        await control.start()
        parts.push_async_callback(control.close)
        manager = AmiServer(switch)
        await manager.start(config.ami.listen.host, config.ami.listen.port)
        parts.push_async_callback(manager.close)
        web = HttpServer(switch)
        await web.start(config.http.listen.host, config.http.listen.port)
        parts.push_async_callback(web.close)
        yield switch


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _bootstrap(config: Config, store: Store) -> None:
    path = config.bootstrap.pjsip
    if path is None or await store.count_endpoints() > 0:
        return
    if not path.exists():
        log.warning("bootstrap file %s not found; starting with no endpoints", path)
        return
    objects = load_pjsip_conf(path)
    summary = await store.replace_objects(objects)
    log.info("imported %s into the empty database: %s", path.name, summary)


async def _sweep_expired(store: Store) -> None:
    while True:
        await asyncio.sleep(EXPIRY_SWEEP_S)
        removed = await store.delete_expired_contacts(time.time())
        if removed:
            log.info("%d registration(s) expired", removed)


def _route_ack(dialogs: DialogRegistry, request: Request, source: Address) -> None:
    owner = dialogs.for_request(request)
    if owner is not None:
        owner.handle_ack(request, source)


def _route_stray(dialogs: DialogRegistry, response: Response, source: Address) -> None:
    owner = dialogs.for_response(response)
    if owner is not None:
        owner.handle_stray_response(response, source)


def _stack_config(config: Config) -> StackConfig:
    sip = config.sip
    return StackConfig(
        timers=TimerConfig(t1=sip.t1_ms / 1000, t2=sip.t2_ms / 1000, t4=sip.t4_ms / 1000),
        limits=Limits(max_bytes=sip.max_message_bytes),
        stream_timeouts=StreamTimeouts(idle=sip.tcp_idle_timeout_s,
                                       partial=sip.tcp_partial_timeout_s),
        advertised_host=sip.external_address,
        server_name=sip.user_agent,
    )


def _local_sent_by(stack: SipStack) -> set[str]:
    result = set()
    for kind in stack.transports:
        host, port = stack.local_endpoint(kind)
        result.add(f"{host}:{port}")
    return result


def _listeners(switch: Switch) -> list[str]:
    parts = []
    for kind in switch.stack.transports:
        host, port = switch.stack.bound(kind)
        parts.append(f"sip {kind.value.lower()} {host}:{port}")
    return parts


def _safe_url(url: str) -> str:
    """The database URL without its password, for the log."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        creds, _, host = rest.rpartition("@")
        user = creds.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{host}"
    return url

