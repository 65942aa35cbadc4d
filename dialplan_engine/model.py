"""The loaded dialplan and Asterisk's search through it.

::

    Dialplan                       globals, autofallthrough, warnings
     └── Context (by name)         includes, switches, hints
          └── Extension            name (literal or _pattern), optional caller-ID qualifier
               └── Priority        number, label, application and its argument string

Everything here is immutable; :class:`ContextBuilder` is the one mutable helper, used by the
parser, :meth:`Dialplan.from_rows` and :meth:`Dialplan.merge` so that all three apply the
same duplicate rules as Asterisk: a second definition of a priority is ignored with a warning.

The search (:meth:`Dialplan.find` and friends) is Asterisk's ``pbx_find_extension`` with the
"old" matcher, the default: in each context the extensions are tried in
:func:`~dialplan_engine.patterns.sort_key` order, a caller-ID qualified one before the same
name without one; an extension that matches but lacks the wanted priority is passed over for
the next one; then the includes, depth first in the order written, those with a closed time
window left out. A context is searched at most once per lookup, and at most
:data:`MAX_SEARCHED_CONTEXTS` per lookup (Asterisk's include stack, which never shrinks
during a lookup: that bounds the depth too). Switches (``switch => Realtime/...``) are kept as
data only: a realtime table is brought in by building a :class:`Dialplan` from its rows and
merging it.

Realtime rows are ordered like the static file, by specificity. Asterisk orders realtime
pattern rows by the length of their text, longest first; the static order is the one users
of ``extensions.conf`` expect, and the Evolvex rows in the seed documentation hold no
patterns, so nothing there depends on the difference.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TypeVar

from dialplan_engine.patterns import Pattern, SortKey, compile_pattern, sort_key
from dialplan_engine.timespec import TimeSpec

MAX_SEARCHED_CONTEXTS = 512
"""Contexts one lookup may search, the context it starts in included."""

_T = TypeVar("_T")
_ExtensionKey = tuple[SortKey, tuple[int, SortKey]]
_NO_CID_KEY: tuple[int, SortKey] = (1, (0, ()))
_LINE_BREAKS = ("\n", "\r")


def _identity(name: str, cid: str | None) -> _ExtensionKey:
    """Order and identity of an extension: equal keys are one extension, as in Asterisk."""
    return (sort_key(name), _NO_CID_KEY if cid is None else (0, sort_key(cid)))


def _display(name: str, cid: str | None) -> str:
    return name if cid is None else f"{name}/{cid}"


def _check_text(what: str, value: str, *, forbidden: str = "") -> None:
    if any(char in value for char in (*_LINE_BREAKS, *forbidden)):
        banned = ["a line break", *(f"'{char}'" for char in forbidden)]
        listed = banned[0] if len(banned) == 1 else f"{', '.join(banned[:-1])} or {banned[-1]}"
        raise ValueError(f"{what} {value!r} must not contain {listed}")


def _check_name(what: str, value: str, *, forbidden: str = "") -> None:
    if not value or value != value.strip():
        raise ValueError(f"{what} {value!r} must be non-empty without surrounding blanks")
    _check_text(what, value, forbidden=forbidden)


def _check_extension(name: str, cid: str | None) -> None:
    _check_name("extension name", name, forbidden=",/")
    if cid is not None:
        if cid != cid.strip():
            raise ValueError(f"caller ID qualifier {cid!r} must not have surrounding blanks")
        _check_text("caller ID qualifier", cid, forbidden=",")


@dataclass(frozen=True, slots=True, kw_only=True)
class Priority:
    """One step of an extension: ``exten => 100,2(label),Dial(PJSIP/100,20)``."""

    number: int
    """1 or more."""
    label: str | None
    """The name ``Goto`` may use instead of the number."""
    app: str
    """Application name as written; apps are looked up case-insensitively."""
    appdata: str
    """Argument string, not yet substituted: split and expanded when the priority runs."""
    source: str = field(compare=False)
    """Where it was defined: ``file:line`` or ``realtime:<row id>``."""

    def __post_init__(self) -> None:
        if self.number < 1:
            raise ValueError(f"priority number must be 1 or more, not {self.number}")
        if self.label is not None:
            _check_name("label", self.label, forbidden="(),")
        _check_name("application name", self.app, forbidden="(")
        _check_text("application data", self.appdata)


@dataclass(frozen=True, slots=True, kw_only=True)
class Extension:
    """The priorities of one extension name (and caller-ID qualifier) in one context."""

    name: str
    """As written, e.g. ``555-1234`` or ``_NXX.`` (``-`` is ignored when matching)."""
    cid: str | None
    """Caller-ID qualifier (literal or pattern) from ``EXT/CID``; ``""`` matches calls
    without a caller ID; None: any caller."""
    priorities: tuple[Priority, ...]
    """Sorted by number on construction; numbers and labels are unique."""
    pattern: Pattern = field(init=False, repr=False, compare=False)
    key: _ExtensionKey = field(init=False, repr=False, compare=False)
    _cid_pattern: Pattern | None = field(init=False, repr=False, compare=False)
    _by_number: Mapping[int, Priority] = field(init=False, repr=False, compare=False)
    _by_label: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_extension(self.name, self.cid)
        priorities = tuple(sorted(self.priorities, key=lambda priority: priority.number))
        by_number = {priority.number: priority for priority in priorities}
        if len(by_number) != len(priorities):
            raise ValueError(f"extension {self.display!r} has a priority number twice")
        by_label = {p.label: p.number for p in priorities if p.label is not None}
        if len(by_label) != sum(p.label is not None for p in priorities):
            raise ValueError(f"extension {self.display!r} has a label twice")
        object.__setattr__(self, "priorities", priorities)
        object.__setattr__(self, "pattern", compile_pattern(self.name))
        object.__setattr__(self, "key", _identity(self.name, self.cid))
        cid_pattern = None if self.cid is None else compile_pattern(self.cid)
        object.__setattr__(self, "_cid_pattern", cid_pattern)
        object.__setattr__(self, "_by_number", MappingProxyType(by_number))
        object.__setattr__(self, "_by_label", MappingProxyType(by_label))

    @property
    def display(self) -> str:
        """``name`` or ``name/cid``, as written in ``extensions.conf``."""
        return _display(self.name, self.cid)

    def priority(self, number: int) -> Priority | None:
        return self._by_number.get(number)

    def label(self, name: str) -> int | None:
        """The number of the priority labelled *name* (labels are case-sensitive)."""
        return self._by_label.get(name)

    def next_after(self, number: int) -> Priority | None:
        """Priority ``number + 1``, the one the PBX loop runs next.

        A gap ends the extension (priorities 1 and 3 only: after 1 there is nothing), as in
        Asterisk, whose loop only ever adds one.
        """
        return self._by_number.get(number + 1)

    def accepts_caller(self, caller_id: str | None) -> bool:
        """The caller-ID qualifier (if any) lets a call from *caller_id* use this extension."""
        if self._cid_pattern is None:
            return True
        if not caller_id:
            return self.cid == ""
        return self._cid_pattern.matches(caller_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Include:
    """``include => context[,time window]``."""

    context: str
    timespec: TimeSpec | None = None
    """None: always searched."""

    def is_open(self, moment: datetime) -> bool:
        return self.timespec is None or self.timespec.contains(moment)


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """One ``[section]`` of ``extensions.conf`` (all sections of that name, merged)."""

    name: str
    extensions: tuple[Extension, ...] = ()
    """In search order (sorted on construction); no two with the same :attr:`Extension.key`."""
    includes: tuple[Include, ...] = ()
    """In the order written."""
    switches: tuple[str, ...] = ()
    """``switch``/``lswitch``/``eswitch`` values such as ``Realtime/pbx@extensions``."""
    hints: tuple[tuple[str, str], ...] = ()
    """``(extension name, device)`` of ``exten => 100,hint,PJSIP/100``, in search order."""
    _literals: Mapping[str, tuple[Extension, ...]] = field(init=False, repr=False, compare=False)
    _patterns: tuple[Extension, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_name("context name", self.name)
        extensions = tuple(sorted(self.extensions, key=lambda extension: extension.key))
        for before, after in itertools.pairwise(extensions):
            if before.key == after.key:
                raise ValueError(
                    f"context {self.name!r}: {before.display!r} and {after.display!r} "
                    "are the same extension"
                )
        object.__setattr__(self, "extensions", extensions)
        object.__setattr__(self, "hints", tuple(sorted(self.hints, key=lambda h: sort_key(h[0]))))
        # Literals come first in the sort order and match only by equality, so a dict finds
        # them at once; CID variants of one name stay in their sorted order.
        literals: dict[str, list[Extension]] = {}
        for extension in extensions:
            if not extension.pattern.is_pattern:
                literals.setdefault(extension.name.replace("-", ""), []).append(extension)
        frozen = {name: tuple(group) for name, group in literals.items()}
        object.__setattr__(self, "_literals", MappingProxyType(frozen))
        patterns = tuple(extension for extension in extensions if extension.pattern.is_pattern)
        object.__setattr__(self, "_patterns", patterns)

    def matching(self, exten: str) -> tuple[Extension, ...]:
        """This context's own extensions whose name matches *exten*, in search order."""
        literal = self._literals.get(exten.replace("-", ""), ())
        return literal + tuple(ext for ext in self._patterns if ext.pattern.matches(exten))


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """Where a lookup landed: the context holding the extension (maybe an included one)."""

    context: str
    extension: Extension
    priority: Priority


@dataclass(frozen=True, slots=True, kw_only=True)
class RealtimeRow:
    """One row of the realtime ``extensions`` (``realtime_extensions``) table."""

    id: int
    context: str
    exten: str
    """The extension; ``EXT/CID`` is read as a caller-ID qualifier (our addition)."""
    priority: int
    app: str
    appdata: str


class ContextBuilder:
    """A context being put together, definition by definition, with Asterisk's duplicate rules.

    Every ``add_*`` method returns a warning (``where: message``) when it ignores something.
    """

    def __init__(self, name: str) -> None:
        _check_name("context name", name)
        self.name = name
        self._extensions: dict[_ExtensionKey, tuple[str, str | None, dict[int, Priority]]] = {}
        self._includes: list[Include] = []
        self._switches: list[str] = []
        self._hints: dict[SortKey, tuple[str, str]] = {}

    @classmethod
    def from_context(cls, context: Context) -> ContextBuilder:
        builder = cls(context.name)
        builder.absorb(context)
        return builder

    def add_priority(self, name: str, cid: str | None, priority: Priority) -> str | None:
        _check_extension(name, cid)
        _, _, priorities = self._extensions.setdefault(_identity(name, cid), (name, cid, {}))
        where = f"{priority.source}: extension '{_display(name, cid)}' in context '{self.name}'"
        kept = priorities.get(priority.number)
        if kept is not None:
            return f"{where}: priority {priority.number} already defined at {kept.source}; ignored"
        warning = None
        if priority.label is not None:
            owner = next((p for p in priorities.values() if p.label == priority.label), None)
            if owner is not None:
                warning = (
                    f"{where}: label '{priority.label}' already names priority {owner.number}; "
                    "label ignored"
                )
                priority = dataclasses.replace(priority, label=None)
        priorities[priority.number] = priority
        return warning

    def label_of(self, name: str, cid: str | None, label: str) -> int | None:
        """The number of *label* in the extension defined so far, if any."""
        entry = self._extensions.get(_identity(name, cid))
        if entry is None:
            return None
        return next((p.number for p in entry[2].values() if p.label == label), None)

    def add_include(self, include: Include, where: str) -> str | None:
        if any(known.context == include.context for known in self._includes):
            return (
                f"{where}: context '{include.context}' already included in '{self.name}'; ignored"
            )
        self._includes.append(include)
        return None

    def add_switch(self, switch: str) -> None:
        self._switches.append(switch)

    def add_hint(self, name: str, device: str, where: str) -> str | None:
        key = sort_key(name)
        if key in self._hints:
            known = self._hints[key][0]
            return (
                f"{where}: extension '{known}' in context '{self.name}' already has a hint; ignored"
            )
        self._hints[key] = (name, device)
        return None

    def absorb(self, context: Context) -> list[str]:
        """Add everything *context* defines; includes, switches and hints already present are
        skipped silently, duplicate priorities with a warning."""
        warnings = []
        for extension in context.extensions:
            for priority in extension.priorities:
                warning = self.add_priority(extension.name, extension.cid, priority)
                if warning is not None:
                    warnings.append(warning)
        for include in context.includes:
            if all(known.context != include.context for known in self._includes):
                self._includes.append(include)
        self._switches.extend(s for s in context.switches if s not in self._switches)
        for name, device in context.hints:
            self._hints.setdefault(sort_key(name), (name, device))
        return warnings

    def build(self) -> Context:
        return Context(
            name=self.name,
            extensions=tuple(
                Extension(name=name, cid=cid, priorities=tuple(priorities.values()))
                for name, cid, priorities in self._extensions.values()
            ),
            includes=tuple(self._includes),
            switches=tuple(self._switches),
            hints=tuple(self._hints.values()),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialplan:
    """A whole dialplan. Equality ignores :attr:`warnings` and where priorities came from."""

    contexts: Mapping[str, Context] = field(default_factory=dict)
    """By name, in definition order (stored read-only)."""
    globals: tuple[tuple[str, str], ...] = ()
    """``[globals]`` as ``(name, value)``, names unique, values already substituted."""
    autofallthrough: bool = True
    warnings: tuple[str, ...] = field(default=(), compare=False)
    """What loading ignored, each ``where: message``."""

    def __post_init__(self) -> None:
        for name, context in self.contexts.items():
            if name != context.name:
                raise ValueError(f"context {context.name!r} filed under the name {name!r}")
        object.__setattr__(self, "contexts", MappingProxyType(dict(self.contexts)))

    def context_names(self) -> list[str]:
        return list(self.contexts)

    # -- search --------------------------------------------------------------------------

    def find(
        self,
        context: str,
        exten: str,
        priority: int,
        *,
        caller_id: str | None = None,
        now: datetime | None = None,
    ) -> Match | None:
        """The priority a channel at (*context*, *exten*, *priority*) runs, or None."""

        def visit(ctx: Context) -> tuple[Match | None, bool]:
            for extension in ctx.matching(exten):
                found = extension.priority(priority)
                if found is not None and extension.accepts_caller(caller_id):
                    return Match(context=ctx.name, extension=extension, priority=found), True
            return None, True

        return self._walk(context, now, visit)

    def exists(
        self,
        context: str,
        exten: str,
        priority: int = 1,
        *,
        caller_id: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        return self.find(context, exten, priority, caller_id=caller_id, now=now) is not None

    def can_match(
        self,
        context: str,
        exten: str,
        priority: int = 1,
        *,
        caller_id: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """*exten* is, or could become with more digits, an extension with *priority*."""

        def visit(ctx: Context) -> tuple[bool | None, bool]:
            for extension in ctx.extensions:
                if (
                    extension.pattern.can_match(exten)
                    and extension.accepts_caller(caller_id)
                    and extension.priority(priority) is not None
                ):
                    return True, True
            return None, True

        return self._walk(context, now, visit) is True

    def match_more(
        self,
        context: str,
        exten: str,
        priority: int = 1,
        *,
        caller_id: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """More digits could make *exten* a longer extension: keep collecting.

        A matched ``!`` pattern answers no for its whole context, includes too, as in
        Asterisk; a context that included that one goes on with its next include.
        """

        def visit(ctx: Context) -> tuple[bool | None, bool]:
            for extension in ctx.extensions:
                if not extension.accepts_caller(caller_id):
                    continue
                if extension.pattern.early_match(exten):
                    return None, False
                if extension.pattern.match_more(exten) and extension.priority(priority) is not None:
                    return True, True
            return None, True

        return self._walk(context, now, visit) is True

    def find_label(
        self,
        context: str,
        exten: str,
        label: str,
        *,
        caller_id: str | None = None,
        now: datetime | None = None,
    ) -> int | None:
        """The priority number of *label* in the first extension matching *exten* that has
        that label (searched like :meth:`find`)."""

        def visit(ctx: Context) -> tuple[int | None, bool]:
            for extension in ctx.matching(exten):
                number = extension.label(label)
                if number is not None and extension.accepts_caller(caller_id):
                    return number, True
            return None, True

        return self._walk(context, now, visit)

    def hint(self, context: str, exten: str, *, now: datetime | None = None) -> str | None:
        """The device string of the hint for *exten*, searched like :meth:`find`."""

        def visit(ctx: Context) -> tuple[str | None, bool]:
            for name, device in ctx.hints:
                if compile_pattern(name).matches(exten):
                    return device, True
            return None, True

        return self._walk(context, now, visit)

    def _walk(
        self,
        start: str,
        now: datetime | None,
        visit: Callable[[Context], tuple[_T | None, bool]],
    ) -> _T | None:
        """Depth-first over *start* and its includes until *visit* returns a result;
        *visit*'s second value False keeps the search out of that context's includes."""
        moment = now
        searched: set[str] = set()
        pending = [start]
        while pending:
            name = pending.pop()
            context = self.contexts.get(name)
            if context is None or name in searched or len(searched) >= MAX_SEARCHED_CONTEXTS:
                continue
            searched.add(name)
            result, descend = visit(context)
            if result is not None:
                return result
            if not descend:
                continue
            for include in reversed(context.includes):
                if include.timespec is not None:
                    moment = moment or datetime.now()
                    if not include.timespec.contains(moment):
                        continue
                pending.append(include.context)
        return None

    # -- building ------------------------------------------------------------------------

    def merge(self, other: Dialplan, *, replace_contexts: bool) -> Dialplan:
        """This dialplan with *other*'s contexts and globals added.

        ``replace_contexts``: a context *other* defines replaces ours of that name whole
        (a reload of those contexts). Otherwise its extensions, includes, switches and hints
        are added to ours, ours winning a duplicate priority (with a warning), as if *other*'s
        lines came after ours in one file. *other*'s globals override ours; our
        ``autofallthrough`` stays.
        """
        contexts = dict(self.contexts)
        warnings = [*self.warnings, *other.warnings]
        for name, context in other.contexts.items():
            if replace_contexts or name not in contexts:
                contexts[name] = context
                continue
            builder = ContextBuilder.from_context(contexts[name])
            warnings.extend(builder.absorb(context))
            contexts[name] = builder.build()
        merged_globals = dict(self.globals)
        merged_globals.update(other.globals)
        return Dialplan(
            contexts=contexts,
            globals=tuple(merged_globals.items()),
            autofallthrough=self.autofallthrough,
            warnings=tuple(warnings),
        )

    @classmethod
    def from_rows(
        cls, rows: Iterable[RealtimeRow], globals: Iterable[tuple[str, str]] = ()
    ) -> Dialplan:
        """A dialplan from realtime ``extensions`` rows (taken in ``id`` order).

        A row that cannot be used (priority below 1, no application, a line break) is
        skipped with a warning ``realtime:<id>: ...`` instead of failing the whole table, as
        Asterisk only fails the lookups that would have used it.
        """
        builders: dict[str, ContextBuilder] = {}
        warnings: list[str] = []
        for row in sorted(rows, key=lambda row: row.id):
            where = f"realtime:{row.id}"
            name, slash, cid = row.exten.partition("/")
            try:
                priority = Priority(
                    number=row.priority,
                    label=None,
                    app=row.app.strip(),
                    appdata=row.appdata,
                    source=where,
                )
                builder = builders.get(row.context)
                if builder is None:
                    builder = builders[row.context] = ContextBuilder(row.context)
                warning = builder.add_priority(name, cid if slash else None, priority)
            except ValueError as exc:
                warning = f"{where}: row ignored: {exc}"
            if warning is not None:
                warnings.append(warning)
        return cls(
            contexts={name: builder.build() for name, builder in builders.items()},
            globals=tuple(dict(globals).items()),
            warnings=tuple(warnings),
        )

    def to_rows(self) -> list[RealtimeRow]:
        """Every priority as a realtime row, ids numbered from 1.

        The table has no place for labels (the numbers stay, the names are lost), includes,
        switches, hints, globals or ``autofallthrough``; a caller-ID qualifier is written
        ``EXT/CID`` as :meth:`from_rows` reads it.
        """
        rows: list[RealtimeRow] = []
        for context in self.contexts.values():
            for extension in context.extensions:
                for priority in extension.priorities:
                    rows.append(
                        RealtimeRow(
                            id=len(rows) + 1,
                            context=context.name,
                            exten=extension.display,
                            priority=priority.number,
                            app=priority.app,
                            appdata=priority.appdata,
                        )
                    )
        return rows

    def to_extensions_conf(self) -> str:
        """``extensions.conf`` text that parses back to an equal dialplan.

        Priorities are numbered explicitly and keep their labels; ``;`` is escaped. Raises
        ``ValueError`` for what the syntax cannot hold (a global whose value has surrounding
        blanks, a context called ``general``). A name or global value holding ``${NAME}`` of a
        global is written as it is, and is substituted again when read back.
        """
        return _write_conf(self)


def _escape(text: str) -> str:
    return text.replace(";", "\\;")


def _write_conf(dialplan: Dialplan) -> str:
    lines = ["[general]", f"autofallthrough={'yes' if dialplan.autofallthrough else 'no'}"]
    if dialplan.globals:
        lines += ["", "[globals]"]
        for name, value in dialplan.globals:
            _check_name("global name", name, forbidden="=")
            if name[0] in "[#" or value != value.strip():
                raise ValueError(f"global {name}={value!r} cannot be written to extensions.conf")
            _check_text("global value", value)
            # Blanks around '=' keep a value starting with '>' from reading as '=>'.
            lines.append(f"{_escape(name)} = {_escape(value)}")
    for context in dialplan.contexts.values():
        if context.name.lower() in ("general", "globals"):
            raise ValueError(f"a context cannot be called {context.name!r} in extensions.conf")
        _check_text("context name", context.name, forbidden="[]")
        lines += ["", f"[{_escape(context.name)}]"]
        for include in context.includes:
            _check_name("included context", include.context, forbidden=",|")
            spec = "" if include.timespec is None else f",{include.timespec}"
            lines.append(f"include => {_escape(include.context)}{_escape(spec)}")
        for switch in context.switches:
            _check_name("switch", switch)
            lines.append(f"switch => {_escape(switch)}")
        for name, device in context.hints:
            _check_name("hint extension", name, forbidden=",/")
            _check_name("hint", device)
            lines.append(f"exten => {_escape(name)},hint,{_escape(device)}")
        for extension in context.extensions:
            for priority in extension.priorities:
                label = "" if priority.label is None else f"({priority.label})"
                lines.append(
                    _escape(
                        f"exten => {extension.display},{priority.number}{label},"
                        f"{priority.app}({priority.appdata})"
                    )
                )
    return "\n".join(lines) + "\n"
