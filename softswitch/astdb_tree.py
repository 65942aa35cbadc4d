"""AstDB trees as Asterisk lists them: ``/family/key`` paths under a prefix, sorted.

:class:`~softswitch.dialplan_store.PersistentAstDb` answers single keys from memory but
cannot enumerate them, so a listing waits until every change made so far is written and
reads the table. It therefore also shows rows other programs wrote since the start, which
``DB()`` only sees after a restart.

Asterisk keeps one key per entry, ``/family/key``, and a tree is every entry whose key is the
prefix or starts with ``prefix/``: family ``a`` holds ``/a/x`` and ``/a/b/y`` (family ``a/b``
here), never ``/ab/x``.
"""

from __future__ import annotations

import asyncio

from softswitch.dialplan_store import PersistentAstDb
from softswitch.storage import StorageError, Store

FLUSH_TIMEOUT_S = 5.0
"""How long a listing waits for pending writes before it calls the database unavailable."""


class AstDbUnavailable(Exception):
    """The database did not take the pending changes or could not be read."""


def tree_prefix(family: str = "", keytree: str = "") -> str:
    """``/family/keytree``, ``/family``, or empty for everything."""
    if not family:
        return ""
    return f"/{family}/{keytree}" if keytree else f"/{family}"


async def astdb_tree(astdb: PersistentAstDb, store: Store, prefix: str = ""
                     ) -> list[tuple[str, str]]:
    """``(/family/key, value)`` of the entries under *prefix* (all when empty), by key."""
    try:
        await asyncio.wait_for(astdb.flush(), FLUSH_TIMEOUT_S)
        # The family part of the prefix narrows the query; the exact tree rule is below.
        family = prefix.removeprefix("/").split("/", 1)[0]
        rows = await store.astdb_list(family)
    except (TimeoutError, StorageError) as exc:
        raise AstDbUnavailable(str(exc) or type(exc).__name__) from exc
    wanted = prefix + "/"
    entries = [(f"/{row_family}/{key}", value) for row_family, key, value in rows]
    return sorted((path, value) for path, value in entries
                  if not prefix or (path + "/").startswith(wanted))
