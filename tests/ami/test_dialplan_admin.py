"""One-extension edits of the stored dialplan, and the filters of its listings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dialplan_engine.model import Dialplan, RealtimeRow
from softswitch.dialplan_admin import (
    DialplanEditError,
    add_extension,
    parse_priority,
    remove_extension,
    select,
    split_extension,
)
from softswitch.storage import Database, Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'softswitch.db'}")
    try:
        yield database.store
    finally:
        await database.close()


async def _steps(store: Store, context: str) -> list[tuple[str, int, str, str]]:
    dialplan = Dialplan.from_rows(await store.list_dialplan_rows(context))
    return [(extension.display, priority.number, priority.app, priority.appdata)
            for ctx in dialplan.contexts.values() for extension in ctx.extensions
            for priority in extension.priorities]


async def test_add_creates_the_context_and_keeps_an_existing_priority(store: Store) -> None:
    await add_extension(store, context="internal", extension="100", priority=1,
                        application="Dial", data="PJSIP/100,20", replace=False)
    await add_extension(store, context="internal", extension="100", priority=2,
                        application="Hangup", data="", replace=False)
    with pytest.raises(DialplanEditError, match=r"^Failed to add extension\.$"):
        await add_extension(store, context="internal", extension="100", priority=1,
                            application="Busy", data="", replace=False)
    assert await _steps(store, "internal") == [
        ("100", 1, "Dial", "PJSIP/100,20"), ("100", 2, "Hangup", "")]


async def test_replace_takes_the_place_of_the_same_extension_spelled_otherwise(
    store: Store
) -> None:
    await store.merge_dialplan([RealtimeRow(id=0, context="c", exten="555-1234", priority=1,
                                            app="Dial", appdata="PJSIP/1")])
    await add_extension(store, context="c", extension="5551234", priority=1,
                        application="Busy", data="", replace=True)
    assert await _steps(store, "c") == [("5551234", 1, "Busy", "")]


@pytest.mark.parametrize(
    ("context", "extension", "application", "message"),
    [
        (" bad", "100", "Dial", "Could not find or create context specified for the extension."),
        ("c", "10,0", "Dial", "Failed to add extension."),
        ("c", "100", "Dial(x", "Failed to add extension."),
    ],
)
async def test_add_refuses_what_the_dialplan_cannot_hold(
    store: Store, context: str, extension: str, application: str, message: str
) -> None:
    with pytest.raises(DialplanEditError) as refused:
        await add_extension(store, context=context, extension=extension, priority=1,
                            application=application, data="", replace=False)
    assert str(refused.value) == message
    assert await store.count_dialplan_rows() == 0


async def test_remove_one_priority_or_the_whole_extension(store: Store) -> None:
    for number, app in ((1, "Answer"), (2, "Playback"), (3, "Hangup")):
        await add_extension(store, context="c", extension="100", priority=number,
                            application=app, data="", replace=False)
    await add_extension(store, context="c", extension="200", priority=1, application="Busy",
                        data="", replace=False)
    await remove_extension(store, context="c", extension="100", priority=2)
    assert [step[:2] for step in await _steps(store, "c")] == [
        ("100", 1), ("100", 3), ("200", 1)]
    await remove_extension(store, context="c", extension="100", priority=None)
    assert [step[:2] for step in await _steps(store, "c")] == [("200", 1)]
    with pytest.raises(DialplanEditError, match=r"^Failed to remove requested extension$"):
        await remove_extension(store, context="c", extension="100", priority=None)


async def test_caller_id_variants(store: Store) -> None:
    await add_extension(store, context="c", extension="100", priority=1, application="Dial",
                        data="PJSIP/100", replace=False)
    await add_extension(store, context="c", extension="100/555", priority=1,
                        application="Busy", data="", replace=False)
    await remove_extension(store, context="c", extension="100/555", priority=None)
    assert await _steps(store, "c") == [("100", 1, "Dial", "PJSIP/100")]
    await add_extension(store, context="c", extension="100/555", priority=1,
                        application="Busy", data="", replace=False)
    # Without a caller ID, Asterisk removes every variant of the name.
    await remove_extension(store, context="c", extension="100", priority=1)
    assert await _steps(store, "c") == []


def test_select_filters_by_context_and_by_what_the_number_matches() -> None:
    dialplan = Dialplan.from_rows([
        RealtimeRow(id=1, context="internal", exten="_1XX", priority=1, app="Dial",
                    appdata="PJSIP/${EXTEN}"),
        RealtimeRow(id=2, context="internal", exten="200", priority=1, app="Busy", appdata=""),
        RealtimeRow(id=3, context="internal", exten="200", priority=2, app="Hangup",
                    appdata=""),
        RealtimeRow(id=4, context="from-trunk", exten="200", priority=1, app="Dial",
                    appdata="PJSIP/101"),
    ])
    everything = select(dialplan)
    assert (len(everything.contexts), everything.extensions, everything.priorities) == (2, 3, 4)
    two_hundred = select(dialplan, exten="200")
    assert [(ctx.name, [e.name for e in exts]) for ctx, exts in two_hundred.contexts] == [
        ("internal", ["200"]), ("from-trunk", ["200"])]
    pattern = select(dialplan, context="internal", exten="150")
    assert [e.name for _, exts in pattern.contexts for e in exts] == ["_1XX"]
    assert not select(dialplan, context="nowhere").context_found
    assert select(dialplan, context="internal", exten="999").extensions == 0


@pytest.mark.parametrize(("text", "number"), [("1", 1), (" 12 ", 12), ("0", None),
                                              ("-1", None), ("x", None), ("", None)])
def test_parse_priority(text: str, number: int | None) -> None:
    assert parse_priority(text) == number


def test_split_extension() -> None:
    assert split_extension("100") == ("100", None)
    assert split_extension("100/") == ("100", "")
    assert split_extension("_X./_5XX") == ("_X.", "_5XX")
