from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from softswitch.storage import Database, EndpointRecord, StorageError
from softswitch.storage.database import _async_url


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///data/x.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///data/x.db", "sqlite+aiosqlite"),
        ("postgresql://pbx:secret@db.example/pbx", "postgresql+asyncpg"),
        ("postgresql+asyncpg://pbx@db.example/pbx", "postgresql+asyncpg"),
    ],
)
def test_urls_get_async_drivers(url: str, driver: str) -> None:
    assert _async_url(url).drivername == driver


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://pbx@db.example/pbx", "unsupported database 'mysql'"),
        ("not a url", "bad database URL 'not a url'"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(StorageError, match=message):
        _async_url(url)


async def test_unopenable_database_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="cannot open database"):
        await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'file' / 'db.sqlite'}")
    not_sqlite = tmp_path / "garbage.db"
    not_sqlite.write_bytes(b"\x00garbage" * 512)
    with pytest.raises(StorageError, match="cannot open database"):
        await Database.open(f"sqlite+aiosqlite:///{not_sqlite}")


async def test_two_writers_wait_for_each_other(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    first = await Database.open(url)
    second = await Database.open(url)
    try:
        await asyncio.gather(
            *(first.store.put_endpoint(EndpointRecord(id=f"a{n}")) for n in range(20)),
            *(second.store.put_endpoint(EndpointRecord(id=f"b{n}")) for n in range(20)),
        )
        assert await first.store.count_endpoints() == 40
    finally:
        await first.close()
        await second.close()
