"""What one channel's dialplan run knows, and what an application hands back to the loop.

:class:`ExecState` is the :class:`~dialplan_engine.scope.FunctionContext` of a running
channel: its location (context, exten, priority), its variables with their inheritance
levels, the switch-wide globals, the dial groups and AstDB. Applications read and write the
channel only through ``state.channel`` (a :class:`~dialplan_engine.channel_api.ChannelAPI`)
and move through the dialplan only through :meth:`ExecState.goto` / :meth:`ExecState.jump`
(and :meth:`ExecState.gosub` / :meth:`ExecState.return_from_gosub`, which keep the Gosub
frames and their ``LOCAL()`` variables).

:class:`AppResult` replaces Asterisk's integer return codes: ``CONTINUE`` (0), ``HANGUP``
(-1), ``GOTO`` (the location was moved), a digit (Background/WaitExten returned a DTMF) and
``RESPONSE_TIMEOUT`` (WaitExten found no next priority: the loop goes to ``t``/``e``).
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass

from dialplan_engine.args import scan_int, split_parenthesized, split_raw
from dialplan_engine.channel_api import ChannelAPI, ChannelHungUp
from dialplan_engine.model import Dialplan
from dialplan_engine.scope import (
    AstDb,
    DialgroupStore,
    ExceptionInfo,
    GosubFrame,
    Inheritance,
    Location,
    VariableEntry,
    split_inheritance,
)

logger = logging.getLogger(__name__)

DEFAULT_DIGIT_TIMEOUT_S = 5.0
DEFAULT_RESPONSE_TIMEOUT_S = 10.0
_MAX_GOSUB_ARGUMENTS = 100
"""Asterisk's ``AST_APP_ARG(argval)[100]``: the 100th argument takes the rest."""


class Action(enum.Enum):
    CONTINUE = "continue"
    """Go on at the next priority."""
    GOTO = "goto"
    """The application moved the location; run exactly that priority next."""
    HANGUP = "hangup"
    """Stop the loop (Hangup, a failure, a bridged Dial ended); ``h`` runs."""
    DIGIT = "digit"
    """The caller pressed a digit: collect an extension number starting with it."""
    RESPONSE_TIMEOUT = "response-timeout"
    """No digit within ``TIMEOUT(response)`` and nothing to continue with: ``t``/``e``."""


@dataclass(frozen=True, slots=True)
class AppResult:
    action: Action
    digit: str = ""

    def __post_init__(self) -> None:
        if (self.action is Action.DIGIT) != (len(self.digit) == 1):
            raise ValueError(f"{self.action.name} result with digit {self.digit!r}")


CONTINUE = AppResult(Action.CONTINUE)
GOTO = AppResult(Action.GOTO)
HANGUP = AppResult(Action.HANGUP)
RESPONSE_TIMEOUT = AppResult(Action.RESPONSE_TIMEOUT)


def digit_result(digit: str) -> AppResult:
    return AppResult(Action.DIGIT, digit)


@dataclass(slots=True, kw_only=True)
class WhileLoop:
    """A ``While`` being looped through (Asterisk keeps this in ``WHILE_n`` variables)."""

    start: Location
    """The ``While`` itself: ``EndWhile`` and ``ContinueWhile`` go back there."""
    end: Location | None = None
    """The priority after the ``EndWhile``, once one was reached: where the loop exits."""


class ExecState:
    """One channel's position in the dialplan and its variables, as applications see them."""

    def __init__(
        self,
        *,
        channel: ChannelAPI,
        dialplan: Dialplan,
        globals_: MutableMapping[str, str],
        dialgroups: DialgroupStore,
        astdb: AstDb,
        context: str,
        exten: str,
        priority: int = 1,
        clock: Callable[[], float] = time.monotonic,
        systemname: str = "",
    ) -> None:
        self.channel = channel
        self.dialplan = dialplan
        self.dialgroups = dialgroups
        self.astdb = astdb
        self.context = context
        self.exten = exten
        self.priority = priority
        self.exception: ExceptionInfo | None = None
        self.absolute_deadline: float | None = None
        """``clock()`` value at which ``TIMEOUT(absolute)`` expires, None when unset."""
        self.hangup_handlers: list[str] = []
        """Expanded Gosub addresses to run after ``h``, the next to run last."""
        self.while_loops: list[WhileLoop] = []
        """The ``While`` loops entered and not left, innermost last."""
        self._frames: list[GosubFrame] = []
        self._globals = globals_
        self._clock = clock
        self._systemname = systemname
        # stored name (underscores stripped) -> (value, how far it is inherited), in the
        # order they were last set
        self._variables: dict[str, VariableEntry] = {}

    # -- VariableScope -------------------------------------------------------------------

    def builtin(self, name: str) -> str | None:
        match name:
            case "EXTEN":
                return self.exten
            case "CONTEXT":
                return self.context
            case "PRIORITY":
                return str(self.priority)
            case "CHANNEL":
                return self.channel.name
            case "UNIQUEID":
                return self.channel.uniqueid
            case "HANGUPCAUSE":
                return str(self.channel.hangup_cause)
            case "EPOCH":
                return str(int(time.time()))
            case "SYSTEMNAME":
                return self._systemname
            # Asterisk has no LINKEDID/SIPDOMAIN built-ins; the seed reads them as if it
            # had, so they fall back to the channel only while nobody Set() them.
            case "LINKEDID":
                return self._own_variable(name) or self.channel.linkedid
            case "SIPDOMAIN":
                return self._own_variable(name) or self.channel.sip_domain
            case _:
                return None

    def get_variable(self, name: str) -> str | None:
        entry = self._variables.get(name)
        return entry[0] if entry is not None else self._globals.get(name)

    def set_variable(self, name: str, value: str) -> None:
        """Set a channel variable; ``_NAME`` inherits one level into Dial legs, ``__NAME``
        forever. The switch hears of every write (AMI ``VarSet`` carries the name as given)."""
        stored, inheritance = split_inheritance(name)
        self._variables.pop(stored, None)
        self._variables[stored] = (value, inheritance)
        if stored == "TIMEOUT_ABSOLUTE":
            self._arm_absolute_timeout(value)
        self.channel.variable_changed(name, value)

    def _own_variable(self, name: str) -> str | None:
        entry = self._variables.get(name)
        return entry[0] if entry is not None else None

    def get_global(self, name: str) -> str | None:
        return self._globals.get(name)

    def set_global(self, name: str, value: str) -> None:
        self._globals[name] = value

    def variable_names(self) -> list[str]:
        return list(reversed(self._variables))

    # -- Gosub frames and LOCAL() ----------------------------------------------------------

    @property
    def frames(self) -> Sequence[GosubFrame]:
        return tuple(self._frames)

    def get_local(self, name: str) -> str | None:
        if not self._frames or name not in self._frames[-1].saved:
            return None
        entry = self._variables.get(name)
        return entry[0] if entry is not None else None

    def set_local(self, name: str, value: str) -> bool:
        if not self._frames:
            return False
        self._set_in_frame(self._frames[-1], name, value)
        return True

    def peek_variable(self, name: str, depth: int) -> str | None:
        entry = self._variables.get(name)
        if entry is None:
            return None
        # Each frame that made the variable local holds the value it hid.
        values = [entry[0]]
        for frame in reversed(self._frames):
            if name in frame.saved:
                hidden = frame.saved[name]
                if hidden is None:
                    break
                values.append(hidden[0])
        return values[depth] if 0 <= depth < len(values) else None

    def gosub(self, target: str, *, special: bool = False) -> bool:
        """Call the subroutine at ``[[context,]exten,]priority[(arg1[,...])]`` as Gosub does:
        jump there with a new frame holding ``ARG1``..``ARGn`` and ``ARGC``. False (with an
        error, the location unchanged) for a bad address or one with no such priority.
        *special* marks the frame of a routine the interpreter runs to its end."""
        label, arguments_text = split_parenthesized(target)
        arguments = (
            [] if arguments_text is None else split_raw(arguments_text, limit=_MAX_GOSUB_ARGUMENTS)
        )
        caller = self.location
        if not self.goto(label):
            logger.error("Gosub address is invalid: '%s'", target)
            return False
        if not self.exists(self.exten, self.priority):
            logger.error(
                "Attempt to reach a non-existent destination for Gosub: "
                "(Context:%s, Extension:%s, Priority:%d)",
                self.context,
                self.exten,
                self.priority,
            )
            self.jump(caller.context, caller.exten, caller.priority)
            return False
        outer = self._frames[-1].arguments if self._frames else 0
        frame = GosubFrame(caller=caller, arguments=max(len(arguments), outer), special=special)
        for index in range(frame.arguments):
            value = arguments[index] if index < len(arguments) else ""
            self._set_in_frame(frame, f"ARG{index + 1}", value)
        self._set_in_frame(frame, "ARGC", str(len(arguments)))
        self._frames.append(frame)
        return True

    def return_from_gosub(self, value: str) -> GosubFrame | None:
        """``Return(value)``: pop the innermost frame, put its local variables back, go on
        after the Gosub (at the caller's own location for a special frame) and set
        ``GOSUB_RETVAL`` there. None when there is no frame to return from."""
        frame = self.pop_frame()
        if frame is None:
            return None
        caller = frame.caller
        self.jump(caller.context, caller.exten, caller.priority + (0 if frame.special else 1))
        self.set_variable("GOSUB_RETVAL", value)
        return frame

    def pop_frame(self) -> GosubFrame | None:
        """Drop the innermost frame without jumping (``StackPop``), its locals put back."""
        if not self._frames:
            return None
        frame = self._frames.pop()
        self._release(frame)
        return frame

    def unwind_to_special(self) -> None:
        """Pop frames up to and including the innermost special one: a routine the
        interpreter ran ended without returning through it."""
        while (frame := self.pop_frame()) is not None:
            if frame.special:
                return

    def _set_in_frame(self, frame: GosubFrame, name: str, value: str) -> None:
        stored, _ = split_inheritance(name)
        if stored not in frame.saved:
            frame.saved[stored] = self._variables.get(stored)
        self.set_variable(name, value)

    def _release(self, frame: GosubFrame) -> None:
        for name, hidden in frame.saved.items():
            if hidden is None:
                self._variables.pop(name, None)
            else:
                self._variables[name] = hidden
            # The switch mirrors the variables it hears of, so it must hear them change back.
            self.channel.variable_changed(name, "" if hidden is None else hidden[0])

    # -- for applications ----------------------------------------------------------------

    @property
    def caller_id(self) -> str:
        """The number that ``exten/CID`` qualifiers of the dialplan are matched against."""
        return self.channel.caller_number

    @property
    def location(self) -> Location:
        return Location(self.context, self.exten, self.priority)

    def inherited(self) -> dict[str, str]:
        """The variables a new Dial leg starts with, named as the leg must store them:
        ``__X`` stays ``__X`` (inherits on), ``_X`` arrives as plain ``X``."""
        return {
            ("__" + name if inheritance is Inheritance.DESCENDANTS else name): value
            for name, (value, inheritance) in self._variables.items()
            if inheritance is not Inheritance.NONE
        }

    def _timeout_s(self, variable: str, default: float) -> float:
        """``TIMEOUT(digit)`` / ``TIMEOUT(response)`` as seconds (kept in TIMEOUT_* vars)."""
        raw = self.get_variable(variable)
        try:
            value = float(raw) if raw else default
        except ValueError:
            return default
        return value if value >= 0 else default

    @property
    def digit_timeout_s(self) -> float:
        return self._timeout_s("TIMEOUT_DIGIT", DEFAULT_DIGIT_TIMEOUT_S)

    @property
    def response_timeout_s(self) -> float:
        return self._timeout_s("TIMEOUT_RESPONSE", DEFAULT_RESPONSE_TIMEOUT_S)

    def exists(self, exten: str, priority: int = 1, *, context: str | None = None) -> bool:
        return self.dialplan.exists(
            self.context if context is None else context,
            exten,
            priority,
            caller_id=self.caller_id,
        )

    def jump(self, context: str, exten: str, priority: int) -> None:
        self.context, self.exten, self.priority = context, exten, priority

    def goto(self, target: str) -> bool:
        """Move to ``[[context,]exten,]priority`` the way Goto does.

        The priority is a number, ``+N``/``-N`` relative to the current one, or a label of
        the *target* extension. An unknown label is the one failure (False, warning): a
        missing context or extension is left for the loop to find (``i``/``e``)."""
        parts = [part.strip() for part in target.split(",")]
        context, exten = self.context, self.exten
        if len(parts) >= 3:
            context = parts[0] or context
            exten = parts[1] or exten
            spec = parts[2]
        elif len(parts) == 2:
            exten = parts[0] or exten
            spec = parts[1]
        else:
            spec = parts[0]
        sign = 0
        if spec[:1] in ("+", "-"):
            sign = 1 if spec[0] == "+" else -1
            spec = spec[1:]
        number = scan_int(spec)
        if number is not None:
            priority = self.priority + sign * number if sign else number
        else:
            found = self.dialplan.find_label(context, exten, spec, caller_id=self.caller_id)
            if found is None:
                logger.warning(
                    "Priority '%s' must be a number > 0, or valid label (in %s@%s)",
                    spec,
                    exten,
                    context,
                )
                return False
            priority = found
        self.jump(context, exten, priority)
        return True

    def raise_exception(self, reason: str) -> None:
        """Record *reason* for ``${EXCEPTION()}`` and go to ``e``, priority 1, of this
        context (RaiseException; the loop checks that ``e`` exists before it calls this)."""
        self.exception = ExceptionInfo(
            reason=reason, context=self.context, exten=self.exten, priority=self.priority
        )
        self.jump(self.context, "e", 1)

    def require_live_channel(self) -> None:
        """Media applications call this first: on a hung-up channel (``h``) they fail at
        once instead of asking the switch to play to or record a channel that is gone."""
        if self.channel.hung_up:
            raise ChannelHungUp(self.channel.name)

    def absolute_timeout_remaining(self) -> float | None:
        if self.absolute_deadline is None:
            return None
        return self.absolute_deadline - self._clock()

    def _arm_absolute_timeout(self, value: str) -> None:
        try:
            seconds = float(value) if value else 0.0
        except ValueError:
            logger.warning("Ignoring absolute timeout %r: not a number of seconds", value)
            return
        self.absolute_deadline = self._clock() + seconds if seconds > 0 else None
