"""Storage tests run on SQLite, and on PostgreSQL too where its server programs are installed.

The PostgreSQL server is a throwaway cluster in a temporary folder, reached over a Unix
socket only, started once per test session; tests share its database and start from empty
tables.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from softswitch.storage import Database, Store
from softswitch.storage.models import Base


def _postgres_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bindir = _postgres_bindir()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip("PostgreSQL server programs are not installed")
    prefix: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        # The server refuses to run as root.
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres account to run the server")
        prefix = ["runuser", "-u", "postgres", "--"]
    # Not under pytest's temporary root: that folder is private to us, and the server
    # account must be able to reach its own folder.
    with tempfile.TemporaryDirectory(prefix="softswitch-pg-") as folder:
        root = Path(folder)
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        data = root / "data"
        pg_ctl = str(bindir / "pg_ctl")
        _run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ]
        )
        options = f"-k {root} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        _run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ]
        )
        try:
            yield f"postgresql+asyncpg://postgres@/postgres?host={root}"
        finally:
            _run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"])


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'softswitch.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        db = await Database.open(sqlite_url)
    else:
        db = await Database.open(request.getfixturevalue("postgres_url"))
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        async with db._engine.begin() as conn:
            await conn.execute(sa.text(f"TRUNCATE {tables}"))
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
def store(database: Database) -> Store:
    return database.store


@pytest.fixture
async def sqlite_database(sqlite_url: str) -> AsyncIterator[Database]:
    """For tests that change the schema, which the shared PostgreSQL database cannot take."""
    db = await Database.open(sqlite_url)
    try:
        yield db
    finally:
        await db.close()
