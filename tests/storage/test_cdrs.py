"""The ``cdr`` table: inserts by column name, reads by time range, adoption of Asterisk's."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from softswitch.storage import Database, Store
from softswitch.storage.records import AmaFlags, CdrRecord, Disposition

DAY = datetime.datetime(2024, 10, 30, 9, 59, 15)


def cdr(offset_s: int, sequence: int, **fields: object) -> CdrRecord:
    values: dict[str, object] = {
        "channel": "PJSIP/101-00000001",
        "uniqueid": f"1730267955.{sequence}",
        "linkedid": "1730267935.2405",
        "start": DAY + datetime.timedelta(seconds=offset_s),
        "end": DAY + datetime.timedelta(seconds=offset_s + 7),
        "duration": 7,
        "billsec": 0,
        "disposition": Disposition.NO_ANSWER,
        "sequence": sequence,
    }
    values.update(fields)
    return CdrRecord(**values)  # type: ignore[arg-type]


EVOLVEX_EXAMPLE = cdr(
    0, 1923,
    uniqueid="1730267955.2409",
    src="79123456789",
    dst="110",
    dcontext="local-evolvex",
    clid='"Sergey" <79123456789>',
    channel="Local/110@local-evolvex-00000167;2",
    dstchannel="PJSIP/user-110-evolvex-000002a0",
    lastapp="Dial",
    lastdata="PJSIP/user-110-evolvex/sip:user-110-evolvex@1.1.1.1:10110,60,t",
)


async def test_insert_and_read_back(store: Store) -> None:
    answered = cdr(30, 1924, answer=DAY + datetime.timedelta(seconds=32), billsec=5,
                   disposition=Disposition.ANSWERED, amaflags=AmaFlags.BILLING,
                   userfield="campaign-7", accountcode="sales", peeraccount="support")
    await store.insert_cdrs([EVOLVEX_EXAMPLE, answered])
    assert await store.cdrs_between(DAY, DAY + datetime.timedelta(hours=1)) == [
        EVOLVEX_EXAMPLE, answered]


async def test_range_is_inclusive_and_ordered_by_start_then_sequence(store: Store) -> None:
    rows = [cdr(60, 5), cdr(0, 9), cdr(0, 3), cdr(120, 1), cdr(-1, 2)]
    await store.insert_cdrs(rows)
    found = await store.cdrs_between(DAY, DAY + datetime.timedelta(seconds=60))
    assert [row.sequence for row in found] == [3, 9, 5]
    aware = DAY.astimezone()
    found = await store.cdrs_between(aware, aware + datetime.timedelta(seconds=59))
    assert [row.sequence for row in found] == [3, 9]
    assert await store.cdrs_between(DAY + datetime.timedelta(days=1),
                                    DAY + datetime.timedelta(days=2)) == []


async def test_nothing_to_insert(store: Store) -> None:
    await store.insert_cdrs([])
    assert await store.cdrs_between(DAY, DAY) == []


async def test_text_longer_than_its_column_is_cut(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await store.insert_cdrs([cdr(0, 1, lastdata="PJSIP/" + "x" * 100)])
    (row,) = await store.cdrs_between(DAY, DAY)
    assert row.lastdata == "PJSIP/" + "x" * 74
    assert "cut to fit" in caplog.text


async def test_site_columns_are_filled_from_cdr_variables(
    sqlite_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with sqlite_database._engine.begin() as conn:
        await conn.exec_driver_sql("ALTER TABLE cdr ADD COLUMN route INTEGER")
        await conn.exec_driver_sql("ALTER TABLE cdr ADD COLUMN Campaign VARCHAR(5)")
        await conn.exec_driver_sql("ALTER TABLE cdr ADD COLUMN agent INTEGER")
        await conn.exec_driver_sql("ALTER TABLE cdr ADD COLUMN note TEXT DEFAULT 'none'")
    store = sqlite_database.store
    with caplog.at_level(logging.WARNING):
        await store.insert_cdrs([
            cdr(0, 1, variables=(("route", "27"), ("campaign", "spring-sale"),
                                 ("agent", "bob"), ("disposition", "ignored"))),
            cdr(1, 2),
        ])
    async with sqlite_database._engine.connect() as conn:
        result = await conn.exec_driver_sql(
            "SELECT sequence, route, Campaign, agent, note, disposition FROM cdr"
            " ORDER BY sequence")
        assert [tuple(row) for row in result] == [
            (1, 27, "sprin", None, "none", "NO ANSWER"),
            (2, None, None, None, "none", "NO ANSWER"),
        ]
    assert "cdr column agent cannot take 'bob'" in caplog.text


async def test_end_is_quoted_and_times_are_asterisk_text_on_sqlite(
    sqlite_database: Database,
) -> None:
    await sqlite_database.store.insert_cdrs([EVOLVEX_EXAMPLE])
    async with sqlite_database._engine.connect() as conn:
        result = await conn.exec_driver_sql('SELECT start, answer, "end", typeof("end") FROM cdr')
        assert result.one() == ("2024-10-30 09:59:15", None, "2024-10-30 09:59:22", "text")


async def test_empty_text_is_stored_as_null(sqlite_database: Database) -> None:
    await sqlite_database.store.insert_cdrs([cdr(0, 1, userfield="", accountcode=None)])
    async with sqlite_database._engine.connect() as conn:
        result = await conn.exec_driver_sql("SELECT userfield, accountcode, amaflags FROM cdr")
        assert result.one() == (None, None, "DOCUMENTATION")


async def test_an_asterisk_cdr_table_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "asterisk.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        # Asterisk's stock table (no key) with a site column and a row Asterisk wrote.
        conn.exec_driver_sql(
            "CREATE TABLE cdr (accountcode VARCHAR(80), src VARCHAR(80), dst VARCHAR(80),"
            " dcontext VARCHAR(80), clid VARCHAR(80), channel VARCHAR(80),"
            " dstchannel VARCHAR(80), lastapp VARCHAR(80), lastdata VARCHAR(80),"
            ' start TIMESTAMP, answer TIMESTAMP, "end" TIMESTAMP, duration INTEGER,'
            " billsec INTEGER, disposition VARCHAR(45), amaflags VARCHAR(45),"
            " userfield VARCHAR(256), uniqueid VARCHAR(150), linkedid VARCHAR(150),"
            " peeraccount VARCHAR(80), sequence INTEGER, route VARCHAR(10))"
        )
        conn.exec_driver_sql(
            "INSERT INTO cdr (src, dst, channel, start, \"end\", duration, billsec,"
            " disposition, amaflags, uniqueid, linkedid, sequence, route) VALUES"
            " ('101', '102', 'PJSIP/101-00000001', '2024-10-30 08:00:00',"
            " '2024-10-30 08:00:05', 5, 0, 'BUSY', 'DOCUMENTATION', '1730260000.1',"
            " '1730260000.1', 7, 'old')"
        )
    engine.dispose()
    async with await Database.open(f"sqlite+aiosqlite:///{path}") as database:
        await database.store.insert_cdrs([cdr(0, 8, variables=(("route", "27"),))])
        rows = await database.store.cdrs_between(DAY - datetime.timedelta(hours=2), DAY)
    assert [(row.uniqueid, row.disposition, row.source) for row in rows] == [
        ("1730260000.1", Disposition.BUSY, None),
        ("1730267955.8", Disposition.NO_ANSWER, None),
    ]
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            routes = conn.exec_driver_sql("SELECT route FROM cdr ORDER BY sequence").scalars()
            assert list(routes) == ["old", "27"]
            columns = {column["name"] for column in sa.inspect(conn).get_columns("cdr")}
            assert {"source", "destination", "direction", "group_uuid"} <= columns
            assert "id" not in columns
            indexes = sa.inspect(conn).get_indexes("cdr")
            assert [index["column_names"] for index in indexes] == [["start"]]
    finally:
        engine.dispose()


async def test_a_foreign_row_with_an_unknown_disposition_is_skipped(
    sqlite_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with sqlite_database._engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO cdr (channel, start, \"end\", disposition, uniqueid)"
            " VALUES ('PJSIP/x', '2024-10-30 09:59:15', '2024-10-30 09:59:16', 'UNKNOWN', 'u1')"
        )
    await sqlite_database.store.insert_cdrs([cdr(0, 1)])
    assert [row.sequence for row in await sqlite_database.store.cdrs_between(DAY, DAY)] == [1]
    assert "cdr row of u1 skipped" in caplog.text
