"""The CDR writer: batches off the call path, retries once, loses nothing on shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from http_api.ami.events import to_ami
from softswitch.cdr import CdrService, CdrWriter
from softswitch.events import CdrPosted, Event, EventBus
from softswitch.storage import Database, StorageError
from softswitch.storage.records import CdrRecord, Disposition
from tests.cdr.calls import Script, local


def record(sequence: int, **fields: object) -> CdrRecord:
    values: dict[str, object] = {
        "channel": "PJSIP/101-00000001",
        "uniqueid": f"1700000000.{sequence}",
        "linkedid": f"1700000000.{sequence}",
        "start": local(0),
        "end": local(7),
        "duration": 7,
        "billsec": 0,
        "disposition": Disposition.NO_ANSWER,
        "sequence": sequence,
    }
    values.update(fields)
    return CdrRecord(**values)  # type: ignore[arg-type]


class SlowStore:
    """Takes a turn of the loop per insert and fails the inserts it is told to."""

    def __init__(self, failures: int = 0) -> None:
        self.batches: list[list[CdrRecord]] = []
        self.failures = failures

    async def insert_cdrs(self, rows: Sequence[CdrRecord]) -> None:
        await asyncio.sleep(0)
        if self.failures:
            self.failures -= 1
            raise StorageError("database is locked")
        self.batches.append(list(rows))


def posted(events: EventBus) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []

    def listen(event: Event) -> None:
        if isinstance(event, CdrPosted):
            rows.append(event.row)

    events.subscribe(listen)
    return rows


async def test_close_writes_everything_queued_in_batches() -> None:
    store, events = SlowStore(), EventBus()
    announced = posted(events)
    writer = CdrWriter(store=store, events=events, batch_size=50)
    for sequence in range(230):
        writer.submit([record(sequence)])
    await writer.close()
    written = [row.sequence for batch in store.batches for row in batch]
    assert written == list(range(230))
    assert max(len(batch) for batch in store.batches) == 50
    assert [row["sequence"] for row in announced] == list(range(230))


async def test_rows_are_written_without_waiting_for_close() -> None:
    store = SlowStore()
    writer = CdrWriter(store=store, events=EventBus(), gather_s=0)
    writer.submit([record(1), record(2)])
    for _ in range(10):
        await asyncio.sleep(0)
    assert [[row.sequence for row in batch] for batch in store.batches] == [[1, 2]]
    await writer.close()


async def test_rows_arriving_while_gathering_share_one_insert() -> None:
    store, events = SlowStore(), EventBus()
    written = asyncio.Event()
    events.subscribe(lambda event: written.set())
    writer = CdrWriter(store=store, events=events, gather_s=0.2)
    writer.submit([record(1)])
    await asyncio.sleep(0)
    writer.submit([record(2)])
    writer.submit([record(3)])
    await asyncio.wait_for(written.wait(), 5)
    assert [[row.sequence for row in batch] for batch in store.batches] == [[1, 2, 3]]
    writer.submit([record(4)])
    await writer.close()
    assert [[row.sequence for row in batch] for batch in store.batches] == [[1, 2, 3], [4]]


async def test_a_failed_insert_is_retried_once(caplog: pytest.LogCaptureFixture) -> None:
    store = SlowStore(failures=1)
    writer = CdrWriter(store=store, events=EventBus(), retry_delay_s=0)
    writer.submit([record(1)])
    await writer.close()
    assert [[row.sequence for row in batch] for batch in store.batches] == [[1]]
    assert "retrying" in caplog.text


async def test_a_batch_failing_twice_is_logged_and_the_writer_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, events = SlowStore(failures=2), EventBus()
    announced = posted(events)
    writer = CdrWriter(store=store, events=events, gather_s=0, retry_delay_s=0)
    with caplog.at_level(logging.ERROR):
        writer.submit([record(1)])
        for _ in range(10):
            await asyncio.sleep(0)
        writer.submit([record(2)])
        await writer.close()
    assert [[row.sequence for row in batch] for batch in store.batches] == [[2]]
    assert "1 CDR(s) lost: 1700000000.1#1" in caplog.text
    # The Manager API still hears of both, as Asterisk's cdr_manager is its own backend.
    assert [row["sequence"] for row in announced] == [1, 2]


async def test_rows_after_close_are_reported(caplog: pytest.LogCaptureFixture) -> None:
    writer = CdrWriter(store=SlowStore(), events=EventBus())
    await writer.close()
    await writer.close()
    writer.submit([record(9)])
    assert "not written" in caplog.text


def test_cdr_event_for_the_manager_api() -> None:
    row = record(1923, answer=None, src="79123456789", dst="110", dcontext="local-evolvex",
                 clid='"Sergey" <79123456789>', lastapp="Dial", lastdata="PJSIP/110,60,t",
                 dstchannel="PJSIP/110-000002a0", userfield="campaign-7")
    event = to_ami(CdrPosted(row=row.columns()))
    assert event is not None
    assert (event.name, event.classes) == ("Cdr", ("cdr",))
    assert event.fields == (
        ("AccountCode", ""),
        ("Source", "79123456789"),
        ("Destination", "110"),
        ("DestinationContext", "local-evolvex"),
        ("CallerID", '"Sergey" <79123456789>'),
        ("Channel", "PJSIP/101-00000001"),
        ("DestinationChannel", "PJSIP/110-000002a0"),
        ("LastApplication", "Dial"),
        ("LastData", "PJSIP/110,60,t"),
        ("StartTime", local(0).strftime("%Y-%m-%d %H:%M:%S")),
        ("AnswerTime", ""),
        ("EndTime", local(7).strftime("%Y-%m-%d %H:%M:%S")),
        ("Duration", "7"),
        ("BillableSeconds", "0"),
        ("Disposition", "NO ANSWER"),
        ("AMAFlags", "DOCUMENTATION"),
        ("UniqueID", "1700000000.1923"),
        ("UserField", "campaign-7"),
    )


async def test_shutdown_flushes_open_and_finished_calls_into_the_database(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cdr.db'}"
    database = await Database.open(url)
    events = EventBus()
    script = Script(bus=events)
    service = CdrService(events=events, store=database.store, clock=lambda: script.now)
    finished = script.at(0).caller()
    script.step(finished, "Dial", "PJSIP/102,30")
    bob = script.dial(finished, "102")
    script.at(2).answer(bob)
    script.dial_end(finished, bob, "ANSWER")
    script.at(9).gone(finished)
    still_talking = script.at(3).caller("103", "Carol")
    script.step(still_talking, "Answer")
    script.answer(still_talking)
    script.at(10)
    await service.close()
    await database.close()

    database = await Database.open(url)
    try:
        rows = await database.store.cdrs_between(local(-60), local(60))
    finally:
        await database.close()
    assert [(row.channel, row.disposition, row.end) for row in rows] == [
        (finished.name, Disposition.ANSWERED, local(9)),
        (still_talking.name, Disposition.ANSWERED, local(10)),
    ]
