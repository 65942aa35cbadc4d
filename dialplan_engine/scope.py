"""What substitution and dialplan functions see of a running channel.

The interpreter implements :class:`FunctionContext` (variables of one channel, the globals,
the channel itself, the shared stores, and the control records of its dialplan run: Gosub
frames, the last exception, hangup handlers); functions and :func:`substitute
<dialplan_engine.substitution.substitute>` only use these protocols. The stores come in
three flavours: :class:`MemoryAstDb` and :class:`MemoryDialgroups` for tests and
single-process use, and :class:`AstDbDialgroups`, the standard dial group store, which
persists each group the way Asterisk does — AstDB family ``dialgroup``, key = group name,
value = the ``&``-joined members — on top of whatever :class:`AstDb` the switch provides.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dialplan_engine.channel_api import ChannelAPI
from dialplan_engine.model import Dialplan

DIALGROUP_FAMILY = "dialgroup"


class Inheritance(enum.Enum):
    """How far a variable travels into channels this channel creates (Dial legs...)."""

    NONE = 0
    CHILDREN = 1
    """``_NAME``: copied into the channels this one creates, not further."""
    DESCENDANTS = 2
    """``__NAME``: copied into every generation."""


def split_inheritance(name: str) -> tuple[str, Inheritance]:
    """The stored name and inheritance of a name as written in ``Set``: at most two
    leading underscores are markers (``___X`` is variable ``_X`` inherited forever)."""
    if name.startswith("__"):
        return name[2:], Inheritance.DESCENDANTS
    if name.startswith("_"):
        return name[1:], Inheritance.CHILDREN
    return name, Inheritance.NONE


VariableEntry = tuple[str, Inheritance]
"""A stored channel variable: its value and how far it is inherited."""


@dataclass(frozen=True, slots=True)
class Location:
    """A place in the dialplan: what ``Goto(context,exten,priority)`` names."""

    context: str
    exten: str
    priority: int


@dataclass(frozen=True, slots=True, kw_only=True)
class GosubFrame:
    """One ``Gosub`` still to return from (Asterisk's ``gosub_stack_frame``)."""

    caller: Location
    """Where the ``Gosub`` ran; ``Return`` goes on at the priority after it."""
    arguments: int
    """How many ``ARGn`` this frame set: a call with fewer arguments than the frame below
    still sets that many, empty, so the caller's arguments do not show through."""
    special: bool
    """Pushed by the interpreter to run a routine to its end (a hangup handler): its
    ``Return`` ends that routine instead of jumping back."""
    saved: dict[str, VariableEntry | None] = field(default_factory=dict)
    """The variables this frame made local (``LOCAL()``, ``ARGn``, ``ARGC``) with the
    entry each had before (None: it did not exist); popping the frame puts them back."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionInfo:
    """What ``${EXCEPTION(...)}`` reports after the dialplan jumped to ``e``."""

    reason: str
    context: str
    exten: str
    priority: int


class VariableScope(Protocol):
    """Variable storage as the dialplan sees it. Names are case-sensitive."""

    def builtin(self, name: str) -> str | None:
        """The value of a read-only built-in (``EXTEN``, ``CONTEXT``, ``PRIORITY``,
        ``CHANNEL``, ``UNIQUEID``, ``HANGUPCAUSE``, ``EPOCH``, ``SYSTEMNAME``...), or None
        when *name* is not a built-in. Built-ins cannot be shadowed by variables."""
        ...

    def get_variable(self, name: str) -> str | None:
        """The channel variable, else the global of that name, else None."""
        ...

    def set_variable(self, name: str, value: str) -> None:
        """Set a channel variable. A ``_``/``__`` prefix marks inheritance
        (:func:`split_inheritance`) and is not part of the stored name."""
        ...

    def get_global(self, name: str) -> str | None: ...

    def set_global(self, name: str, value: str) -> None: ...

    def variable_names(self) -> list[str]:
        """The channel variables' stored names, the most recently set first (the order
        Asterisk keeps them in, which ``HASHKEYS`` shows)."""
        ...


class DialgroupStore(Protocol):
    """Named lists of dial strings (``DIALGROUP``). Group names are case-sensitive."""

    def members(self, group: str) -> list[str] | None:
        """The members in their stored order, or None for an unknown group."""
        ...

    def set_members(self, group: str, members: list[str]) -> None:
        """Replace the members; an empty list removes the group."""
        ...


class AstDb(Protocol):
    """Asterisk's persistent key/value database (``DB()``, ``DBdel``, AMI ``DBGet``...).

    Keys live in families; a key may itself contain ``/`` to form a tree.
    """

    def get(self, family: str, key: str) -> str | None: ...

    def put(self, family: str, key: str, value: str) -> None: ...

    def delete(self, family: str, key: str) -> bool:
        """Remove one key; False when it did not exist."""
        ...

    def delete_tree(self, family: str, prefix: str = "") -> int:
        """Remove *prefix* and every key below ``prefix/`` (the whole family when *prefix*
        is empty); returns how many keys were removed."""
        ...


class FunctionContext(VariableScope, Protocol):
    """Everything a dialplan function may use."""

    @property
    def channel(self) -> ChannelAPI: ...

    @property
    def dialgroups(self) -> DialgroupStore: ...

    @property
    def astdb(self) -> AstDb: ...

    @property
    def dialplan(self) -> Dialplan:
        """The dialplan the channel runs (``VALID_EXTEN``, ``DIALPLAN_EXISTS``)."""
        ...

    @property
    def caller_id(self) -> str:
        """The number that ``exten/CID`` qualifiers are matched against."""
        ...

    @property
    def exception(self) -> ExceptionInfo | None:
        """Why the dialplan last went to ``e``; None before it ever did."""
        ...

    @property
    def hangup_handlers(self) -> list[str]:
        """``context,exten,priority[(args)]`` routines to run once the channel is hung up,
        the next to run last (``CHANNEL(hangup_handler_push)`` appends)."""
        ...

    @property
    def frames(self) -> Sequence[GosubFrame]:
        """The Gosub frames, innermost last."""
        ...

    def get_local(self, name: str) -> str | None:
        """The value of *name* if the innermost Gosub frame made it local, else None."""
        ...

    def set_local(self, name: str, value: str) -> bool:
        """Set *name* local to the innermost Gosub frame (its old value comes back on
        ``Return``); False, setting nothing, outside any Gosub."""
        ...

    def peek_variable(self, name: str, depth: int) -> str | None:
        """*name* as it was *depth* ``LOCAL()`` shadowings down: 0 is the current value,
        1 the one the innermost frame that made it local hides, and so on."""
        ...


class MemoryAstDb:
    """An :class:`AstDb` in a dict, keyed like Asterisk's table: ``/family/key``."""

    def __init__(self) -> None:
        self._entries: dict[str, str] = {}

    def get(self, family: str, key: str) -> str | None:
        return self._entries.get(f"/{family}/{key}")

    def put(self, family: str, key: str, value: str) -> None:
        self._entries[f"/{family}/{key}"] = value

    def delete(self, family: str, key: str) -> bool:
        return self._entries.pop(f"/{family}/{key}", None) is not None

    def delete_tree(self, family: str, prefix: str = "") -> int:
        root = f"/{family}/{prefix}" if prefix else f"/{family}"
        doomed = [path for path in self._entries if path == root or path.startswith(root + "/")]
        for path in doomed:
            del self._entries[path]
        return len(doomed)


class MemoryDialgroups:
    """A :class:`DialgroupStore` that forgets everything when the process ends."""

    def __init__(self) -> None:
        self._groups: dict[str, list[str]] = {}

    def members(self, group: str) -> list[str] | None:
        found = self._groups.get(group)
        return None if found is None else list(found)

    def set_members(self, group: str, members: list[str]) -> None:
        if members:
            self._groups[group] = list(members)
        else:
            self._groups.pop(group, None)


class AstDbDialgroups:
    """Dial groups kept in AstDB exactly where Asterisk's ``func_dialgroup`` keeps them,
    so a database carried over from Asterisk keeps its groups."""

    def __init__(self, astdb: AstDb) -> None:
        self._astdb = astdb

    def members(self, group: str) -> list[str] | None:
        stored = self._astdb.get(DIALGROUP_FAMILY, group)
        if stored is None:
            return None
        return [member for member in stored.split("&") if member]

    def set_members(self, group: str, members: list[str]) -> None:
        if members:
            self._astdb.put(DIALGROUP_FAMILY, group, "&".join(members))
        else:
            self._astdb.delete(DIALGROUP_FAMILY, group)
