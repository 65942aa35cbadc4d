"""What one channel's dialplan run knows, and what an application hands back to the loop.

:class:`ExecState` is the :class:`~dialplan_engine.scope.FunctionContext` of a running
channel: its location (context, exten, priority), its variables with their inheritance
levels, the switch-wide globals, the dial groups and AstDB. Applications read and write the
channel only through ``state.channel`` (a :class:`~dialplan_engine.channel_api.ChannelAPI`)
and move through the dialplan only through :meth:`ExecState.goto` / :meth:`ExecState.jump`.

:class:`AppResult` replaces Asterisk's integer return codes: ``CONTINUE`` (0), ``HANGUP``
(-1), ``GOTO`` (the location was moved), a digit (Background/WaitExten returned a DTMF) and
``RESPONSE_TIMEOUT`` (WaitExten found no next priority: the loop goes to ``t``/``e``).
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

from dialplan_engine.args import scan_int
from dialplan_engine.channel_api import ChannelAPI, ChannelHungUp
from dialplan_engine.model import Dialplan
from dialplan_engine.scope import AstDb, DialgroupStore, Inheritance, split_inheritance

logger = logging.getLogger(__name__)

DEFAULT_DIGIT_TIMEOUT_S = 5.0
DEFAULT_RESPONSE_TIMEOUT_S = 10.0


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionInfo:
    """What ``${EXCEPTION(...)}`` reports after the loop jumped to ``e``."""

    reason: str
    context: str
    exten: str
    priority: int


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
        self._globals = globals_
        self._clock = clock
        self._systemname = systemname
        # stored name (underscores stripped) -> (value, how far it is inherited)
        self._variables: dict[str, tuple[str, Inheritance]] = {}

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

    # -- for applications ----------------------------------------------------------------

    @property
    def caller_id(self) -> str:
        """The number that ``exten/CID`` qualifiers of the dialplan are matched against."""
        return self.channel.caller_number

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
