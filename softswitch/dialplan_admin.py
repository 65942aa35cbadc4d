"""The stored dialplan one extension at a time: listing it, adding and removing priorities.

The console's ``dialplan show``, the Manager's ``ShowDialPlan``, ``DialplanExtensionAdd`` and
``DialplanExtensionRemove`` work here. Edits write ``realtime_extensions``, whose change
counter makes the next call rebuild its dialplan (see :mod:`softswitch.dialplan_store`).

Extensions are told apart as Asterisk does: ``555-1234`` and ``5551234`` are one extension,
and ``EXT/CID`` names the variant of ``EXT`` for callers matching ``CID``. A new priority is
one upsert, so concurrent additions never lose each other; replacing or removing rewrites
the rows of that one context in a transaction (the table has no finer key), so an edit that
lands in the same context between that read and write is lost.

Exceptions::

    DialplanEditError     the edit was refused; ``str()`` is the Manager's error text
"""

from __future__ import annotations

from dataclasses import dataclass

from dialplan_engine.model import Context, Dialplan, Extension, Priority, RealtimeRow
from softswitch.storage import StorageError, Store

SOURCE = "manager"
"""Where a priority added here says it came from until it is read back from its row."""


class DialplanEditError(Exception):
    """The edit was refused; the message is the Manager API's reply text."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """What a ``dialplan show`` or ``ShowDialPlan`` filter picked: contexts in order, each
    with the extensions to list (all of them when no extension was asked for)."""

    contexts: tuple[tuple[Context, tuple[Extension, ...]], ...]
    context_found: bool
    """The context asked for exists (True when none was asked for)."""

    @property
    def extensions(self) -> int:
        return sum(len(extensions) for _, extensions in self.contexts)

    @property
    def priorities(self) -> int:
        return sum(len(extension.priorities)
                   for _, extensions in self.contexts for extension in extensions)


def select(dialplan: Dialplan, *, context: str = "", exten: str = "") -> Selection:
    """The contexts named *context* (all when empty) and in each the extensions that
    *exten* matches, patterns included, as Asterisk's filter does (all when empty)."""
    contexts = [ctx for name, ctx in dialplan.contexts.items() if not context or name == context]
    picked = []
    for ctx in contexts:
        extensions = tuple(extension for extension in ctx.extensions
                           if not exten or extension.pattern.matches(exten))
        if extensions or not exten:
            picked.append((ctx, extensions))
    return Selection(contexts=tuple(picked), context_found=bool(contexts) or not context)


def parse_priority(text: str) -> int | None:
    """A priority number of 1 or more, or None when *text* is not one."""
    try:
        number = int(text)
    except ValueError:
        return None
    return number if number >= 1 else None


def split_extension(text: str) -> tuple[str, str | None]:
    """``EXT/CID`` into the extension and its caller-ID qualifier (None when there is none)."""
    name, slash, cid = text.partition("/")
    return name, cid if slash else None


def _identity(name: str, cid: str | None) -> Extension:
    return Extension(name=name, cid=cid, priorities=())


def _is(row: RealtimeRow, wanted: Extension, *, match_cid: bool) -> bool:
    """Whether *row* belongs to *wanted*; without *match_cid*, any caller-ID variant does."""
    try:
        found = _identity(*split_extension(row.exten))
    except ValueError:
        # A row the dialplan skips anyway (Dialplan.from_rows warns about it).
        return False
    if match_cid:
        return found.key == wanted.key
    return found.key[0] == wanted.key[0]


async def add_extension(store: Store, *, context: str, extension: str, priority: int,
                        application: str, data: str, replace: bool) -> None:
    """Write one priority; with *replace* it takes the place of the one already there."""
    try:
        Context(name=context)
    except ValueError as exc:
        raise DialplanEditError(
            "Could not find or create context specified for the extension.") from exc
    name, cid = split_extension(extension)
    try:
        step = Priority(number=priority, label=None, app=application.strip(), appdata=data,
                        source=SOURCE)
        wanted = Extension(name=name, cid=cid, priorities=(step,))
    except ValueError as exc:
        raise DialplanEditError("Failed to add extension.") from exc
    row = RealtimeRow(id=0, context=context, exten=wanted.display, priority=priority,
                      app=step.app, appdata=data)
    rows = await store.list_dialplan_rows(context)
    clash = [old for old in rows if old.priority == priority and _is(old, wanted, match_cid=True)]
    if clash and not replace:
        raise DialplanEditError("Failed to add extension.")
    try:
        if clash:
            kept = [old for old in rows if old not in clash]
            await store.replace_dialplan([*kept, row], contexts=[context])
        else:
            await store.merge_dialplan([row])
    except StorageError as exc:
        raise DialplanEditError("Failed to add extension.") from exc


async def remove_extension(store: Store, *, context: str, extension: str,
                           priority: int | None) -> None:
    """Remove one priority, or with *priority* None the whole extension.

    ``EXT/CID`` removes only that caller-ID variant; plain ``EXT`` any of them, as
    Asterisk's ``ast_context_remove_extension_callerid`` does.
    """
    name, cid = split_extension(extension)
    try:
        wanted = _identity(name, cid)
    except ValueError as exc:
        raise DialplanEditError("Failed to remove requested extension") from exc
    rows = await store.list_dialplan_rows(context)
    doomed = [row for row in rows
              if (priority is None or row.priority == priority)
              and _is(row, wanted, match_cid=cid is not None)]
    if not doomed:
        raise DialplanEditError("Failed to remove requested extension")
    try:
        await store.replace_dialplan([row for row in rows if row not in doomed],
                                     contexts=[context])
    except StorageError as exc:
        raise DialplanEditError("Failed to remove requested extension") from exc
