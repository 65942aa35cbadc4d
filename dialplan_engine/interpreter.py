"""The PBX loop: walk a channel through the dialplan, then run its ``h`` extension.

``Interpreter.run`` is Asterisk's ``__ast_pbx_run`` for one channel. Each step finds the
current (context, exten, priority), substitutes the arguments (only when they contain
``${`` or ``$[``), looks the application up in the registry and runs it. The result decides
the next step:

* ``CONTINUE``: the next priority;
* ``GOTO``: the location the application set;
* ``DIGIT``: collect more digits while a longer extension could match (``TIMEOUT(digit)``
  each), then that extension, else ``i`` (``INVALID_EXTEN``), else ``e`` (INVALID);
* ``RESPONSE_TIMEOUT``: ``t``, else ``e`` (RESPONSETIMEOUT), else stop;
* ``HANGUP``: stop.

With no such priority: an extension without priority 1 is invalid (``i``/``e``/stop); one
that ran out stops (``autofallthrough``, with 10 s of busy or congestion tone when DIALSTATUS
says so) or waits ``TIMEOUT(response)`` for digits. ``TIMEOUT(absolute)`` interrupts the
running application and goes to ``T``, else ``e`` (ABSOLUTETIMEOUT), else stops. A hang-up
seen by any await (:class:`ChannelHungUp`) stops the loop; a redirect
(:class:`ChannelRedirected`) abandons the running application and goes where it says.

Once stopped, the channel is hung up (so the caller is released at once) and ``h`` of the
*current* context runs with every variable intact and ``${EXTEN}`` = ``h``; media
applications fail there because the channel is gone, AGI still runs. Then the hangup
handlers (``CHANNEL(hangup_handler_push)``) run, the last pushed first, each as a
subroutine that ends at its ``Return``; a handler may push further ones, which run next.
"""

from __future__ import annotations

import asyncio
import logging
import time
import types
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass

from dialplan_engine.apps import busy, congestion, find_application
from dialplan_engine.channel_api import (
    ApplicationError,
    ChannelAPI,
    ChannelHungUp,
    ChannelRedirected,
)
from dialplan_engine.model import Dialplan, Match
from dialplan_engine.scope import AstDb, DialgroupStore
from dialplan_engine.state import HANGUP, Action, AppResult, ExecState
from dialplan_engine.substitution import substitute

logger = logging.getLogger(__name__)

_NO_VARIABLES: Mapping[str, str] = types.MappingProxyType({})
_FALLTHROUGH_TONE_S = "10"


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One executed priority, for AMI ``Newexten`` and the CDR's lastapp/lastdata."""

    context: str
    exten: str
    priority: int
    app: str
    appdata: str
    """After substitution."""


class Interpreter:
    """Runs calls through the dialplan; one instance serves every channel of the switch."""

    def __init__(
        self,
        *,
        dialplan_source: Callable[[], Dialplan],
        dialgroups: DialgroupStore,
        astdb: AstDb,
        globals: MutableMapping[str, str],
        clock: Callable[[], float] = time.monotonic,
        systemname: str = "",
        on_step: Callable[[ExecState, Step], None] | None = None,
    ) -> None:
        """*dialplan_source* is called as each call starts, so an edited dialplan (file
        reload, database rows) applies to the next call without a restart; when the
        ``[globals]`` it returns change, they are written into *globals* (a reload).
        *clock* must be the event loop's clock in production (``time.monotonic``): the
        absolute timeout is measured with it. *on_step* hears of every priority about to
        run (AMI ``Newexten``, the CDR's lastapp); it must not block."""
        self._dialplan_source = dialplan_source
        self._dialgroups = dialgroups
        self._astdb = astdb
        self._globals = globals
        self._clock = clock
        self._systemname = systemname
        self._on_step = on_step
        self._applied_globals: tuple[tuple[str, str], ...] | None = None

    async def run(
        self,
        channel: ChannelAPI,
        context: str,
        exten: str,
        priority: int = 1,
        *,
        variables: Mapping[str, str] = _NO_VARIABLES,
    ) -> None:
        """Run *channel* from (context, exten or ``s``, priority) until it hangs up, then
        ``h``. *variables* are set first (``_``/``__`` prefixes allowed), e.g. those a
        parent channel passed on or an AMI Originate gave."""
        state = ExecState(
            channel=channel,
            dialplan=self._load_dialplan(),
            globals_=self._globals,
            dialgroups=self._dialgroups,
            astdb=self._astdb,
            context=context,
            exten=exten or "s",
            priority=priority,
            clock=self._clock,
            systemname=self._systemname,
        )
        for name, value in variables.items():
            state.set_variable(name, value)
        try:
            await self._main_loop(state)
        except ChannelHungUp:
            logger.debug("%s hung up in %s@%s", channel.name, state.exten, state.context)
        except Exception:
            # A fault in one application must not leave the caller connected to nothing:
            # log it like any failure, hang up, and still run h.
            logger.exception(
                "Dialplan failed on %s at %s@%s:%d",
                channel.name,
                state.exten,
                state.context,
                state.priority,
            )
        if not channel.hung_up:
            await channel.hangup()
        await self._run_h(state)
        await self._run_hangup_handlers(state)

    async def run_application(
        self,
        channel: ChannelAPI,
        application: str,
        data: str,
        *,
        variables: Mapping[str, str] = _NO_VARIABLES,
    ) -> None:
        """Run one application on *channel*, then hang it up: an Originate that names an
        application instead of an extension (no ``h`` runs, as in Asterisk, but the hangup
        handlers the application pushed do)."""
        state = ExecState(
            channel=channel,
            dialplan=self._load_dialplan(),
            globals_=self._globals,
            dialgroups=self._dialgroups,
            astdb=self._astdb,
            context="",
            exten="s",
            clock=self._clock,
            systemname=self._systemname,
        )
        for name, value in variables.items():
            state.set_variable(name, value)
        app = find_application(application)
        if app is None:
            logger.warning("No application '%s' to originate to", application)
        else:
            try:
                await app.execute(state, data)
            except (ChannelHungUp, ChannelRedirected):
                logger.debug("%s left %s", channel.name, app.NAME)
            except ApplicationError as exc:
                logger.warning("%s(%s) failed on %s: %s", app.NAME, data, channel.name, exc)
        if not channel.hung_up:
            await channel.hangup()
        await self._run_hangup_handlers(state)

    def _load_dialplan(self) -> Dialplan:
        dialplan = self._dialplan_source()
        if dialplan.globals != self._applied_globals:
            self._globals.update(dialplan.globals)
            self._applied_globals = dialplan.globals
        return dialplan

    # -- the main loop ---------------------------------------------------------------

    async def _main_loop(self, state: ExecState) -> None:
        while True:
            try:
                if not await self._advance(state):
                    return
            except ChannelRedirected as redirect:
                logger.info("%s redirected to %s", state.channel.name, redirect.target)
                if not state.goto(redirect.target):
                    return

    async def _advance(self, state: ExecState) -> bool:
        """Walk the dialplan; False when the loop should stop (a redirect raises out)."""
        while True:
            # An app such as Goto never awaits anything that suspends, so a dialplan
            # loop would otherwise starve every other call on this event loop.
            await asyncio.sleep(0)
            remaining = state.absolute_timeout_remaining()
            if remaining is not None and remaining <= 0:
                if not self._absolute_timeout(state):
                    return False
                continue
            match = state.dialplan.find(
                state.context, state.exten, state.priority, caller_id=state.caller_id
            )
            if match is None:
                if not await self._no_such_priority(state):
                    return False
                continue
            result = await self._execute_with_deadline(state, match, remaining)
            if result is None:
                if not self._absolute_timeout(state):
                    return False
                continue
            match result.action:
                case Action.CONTINUE:
                    state.priority += 1
                case Action.GOTO:
                    pass
                case Action.DIGIT:
                    if not await self._collect_extension(state, result.digit):
                        return False
                case Action.RESPONSE_TIMEOUT:
                    if not self._response_timeout(state):
                        return False
                case Action.HANGUP:
                    return False

    async def _execute_with_deadline(
        self, state: ExecState, match: Match, remaining: float | None
    ) -> AppResult | None:
        """The application's result, or None when ``TIMEOUT(absolute)`` cut it short."""
        deadline = asyncio.timeout(remaining)
        try:
            async with deadline:
                return await self._execute(state, match)
        except TimeoutError:
            if deadline.expired():
                return None
            raise

    async def _execute(self, state: ExecState, match: Match) -> AppResult:
        priority = match.priority
        args = priority.appdata
        if "${" in args or "$[" in args:
            args = substitute(args, state)
        app = find_application(priority.app)
        if app is None:
            logger.warning(
                "No application '%s' for extension (%s, %s, %d)",
                priority.app,
                state.context,
                state.exten,
                state.priority,
            )
            return HANGUP
        logger.debug(
            'Executing [%s@%s:%d] %s("%s", "%s")',
            state.exten,
            state.context,
            state.priority,
            app.NAME,
            state.channel.name,
            args,
        )
        if self._on_step is not None:
            step = Step(
                context=state.context,
                exten=state.exten,
                priority=state.priority,
                app=app.NAME,
                appdata=args,
            )
            self._on_step(state, step)
        try:
            return await app.execute(state, args)
        except ApplicationError as exc:
            logger.warning("%s(%s) failed on %s: %s", app.NAME, args, state.channel.name, exc)
            return HANGUP

    async def _no_such_priority(self, state: ExecState) -> bool:
        if not state.exists(state.exten):
            return self._invalid(state, state.exten)
        if state.dialplan.autofallthrough:
            await self._fall_through(state)
            return False
        digit = await state.channel.wait_for_digit(state.response_timeout_s)
        if digit is None:
            return self._response_timeout(state)
        return await self._collect_extension(state, digit)

    async def _fall_through(self, state: ExecState) -> None:
        status = state.get_variable("DIALSTATUS") or ""
        logger.debug(
            "Auto fallthrough, channel '%s' status is '%s'", state.channel.name, status or "UNKNOWN"
        )
        if status == "BUSY":
            await busy.execute(state, _FALLTHROUGH_TONE_S)
        elif status in ("CONGESTION", "CHANUNAVAIL"):
            await congestion.execute(state, _FALLTHROUGH_TONE_S)

    async def _collect_extension(self, state: ExecState, first: str) -> bool:
        digits = first
        while state.dialplan.match_more(state.context, digits, caller_id=state.caller_id):
            digit = await state.channel.wait_for_digit(state.digit_timeout_s)
            if digit is None:
                break
            digits += digit
        if state.exists(digits):
            state.jump(state.context, digits, 1)
            return True
        return self._invalid(state, digits)

    # -- special extensions ------------------------------------------------------------

    def _invalid(self, state: ExecState, exten: str) -> bool:
        if state.exists("i"):
            state.set_variable("INVALID_EXTEN", exten)
            state.jump(state.context, "i", 1)
            return True
        return self._raise(
            state,
            "INVALID",
            f"Channel '{state.channel.name}' sent to invalid extension '{exten}' in "
            f"context '{state.context}', but no invalid handler",
        )

    def _response_timeout(self, state: ExecState) -> bool:
        if state.exists("t"):
            state.jump(state.context, "t", 1)
            return True
        return self._raise(
            state,
            "RESPONSETIMEOUT",
            f"Timeout, but no rule 't' or 'e' in context '{state.context}'",
        )

    def _absolute_timeout(self, state: ExecState) -> bool:
        # Cleared whatever happens next, or T itself would time out again at once.
        state.absolute_deadline = None
        if state.exists("T"):
            state.jump(state.context, "T", 1)
            return True
        return self._raise(
            state,
            "ABSOLUTETIMEOUT",
            f"Absolute timeout on '{state.channel.name}', but no rule 'T' or 'e' in "
            f"context '{state.context}'",
        )

    def _raise(self, state: ExecState, reason: str, no_handler: str) -> bool:
        if state.exists("e"):
            state.raise_exception(reason)
            return True
        logger.warning("%s", no_handler)
        return False

    # -- after the loop ----------------------------------------------------------------

    async def _run_h(self, state: ExecState) -> None:
        if not state.exists("h"):
            return
        state.jump(state.context, "h", 1)
        await self._run_to_end(state, "h")

    async def _run_hangup_handlers(self, state: ExecState) -> None:
        while state.hangup_handlers:
            await self._run_subroutine(state, state.hangup_handlers.pop())

    async def _run_subroutine(self, state: ExecState, target: str) -> None:
        """Asterisk's ``gosub_run``: call *target* and run until it returns, or until a
        priority stops or runs out, the channel being hung up or not; then come back."""
        origin = state.location
        if not state.gosub(target, special=True):
            return
        await self._run_to_end(state, f"Gosub({target})")
        if state.location != origin:
            logger.info(
                "%s Abnormal 'Gosub(%s)' exit.  Popping routine return locations.",
                state.channel.name,
                target,
            )
            state.unwind_to_special()
            state.set_variable("GOSUB_RETVAL", "")
        state.jump(origin.context, origin.exten, origin.priority)

    async def _run_to_end(self, state: ExecState, what: str) -> None:
        """Run priorities from the current one while they continue or jump: the loop of
        ``h`` and of subroutines run after the hang-up, which has no special extensions."""
        while True:
            match = state.dialplan.find(
                state.context, state.exten, state.priority, caller_id=state.caller_id
            )
            if match is None:
                return
            try:
                result = await self._execute(state, match)
            except ChannelHungUp:
                return
            except Exception:
                logger.exception(
                    "%s failed on %s at %s@%s:%d",
                    what,
                    state.channel.name,
                    state.exten,
                    state.context,
                    state.priority,
                )
                return
            if result.action is Action.CONTINUE:
                state.priority += 1
            elif result.action is not Action.GOTO:
                return
