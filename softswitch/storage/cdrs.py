"""The ``cdr`` table: records written by column name, read back by time range.

Writing follows Asterisk's adaptive ODBC backend (``cdr_adaptive_odbc``), so a site's table
keeps working as it is: the table's columns are looked up once, and each column whose name,
in any letter case, is a CDR field or a CDR variable of the record (``Set(CDR(route)=27)``
fills a ``route`` column) gets that value converted to the column's type; other columns are
left to their defaults. Text longer than its column is cut to fit, and a variable that does
not convert (``abc`` for an integer column) leaves its column NULL, as that backend does.
The columns are looked up on first use, so a column a site adds later is used after a
restart.

Reading selects only the columns :class:`~softswitch.storage.records.CdrRecord` knows.
"""

from __future__ import annotations

import datetime
import enum
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    Insert,
    Integer,
    MetaData,
    Numeric,
    Row,
    String,
    Table,
    insert,
    inspect,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Date, TypeEngine

from softswitch.storage import models
from softswitch.storage.records import CDR_COLUMNS, AmaFlags, CdrRecord, Disposition

log = logging.getLogger(__name__)



def _model_table() -> Table:
    table = models.Cdr.__table__
    assert isinstance(table, Table)
    return table


TABLE = _model_table()
_SELECT = select(*(TABLE.c[name] for name in CDR_COLUMNS))
_FIELDS = frozenset(CDR_COLUMNS)
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class _Kind(enum.Enum):
    """How a value is shaped for one column: the conversions Asterisk's backend applies."""

    TEXT = "text"
    INTEGER = "integer"
    REAL = "real"
    TIME = "time"


_TYPES: dict[_Kind, TypeEngine[Any]] = {
    _Kind.TEXT: String(),
    _Kind.INTEGER: Integer(),
    _Kind.REAL: Float(),
    _Kind.TIME: models.CDR_TIME,
}


@dataclass(frozen=True, slots=True)
class _Target:
    """The columns of the site's ``cdr`` table that can take a value."""

    name: str
    """The column's name as the table spells it."""
    kind: _Kind
    length: int | None


def _kind(type_: TypeEngine[Any]) -> _Kind:
    if isinstance(type_, DateTime | Date):
        return _Kind.TIME
    if isinstance(type_, Integer):
        return _Kind.INTEGER
    if isinstance(type_, Numeric):
        return _Kind.REAL
    return _Kind.TEXT


def _cell(target: _Target, value: object) -> object:
    """*value* converted for *target*'s column; None when it does not convert."""
    if value is None:
        return None
    try:
        if target.kind is _Kind.TIME:
            if isinstance(value, datetime.datetime):
                return value
            return datetime.datetime.fromisoformat(str(value))
        if target.kind is _Kind.INTEGER:
            return int(str(value).strip())
        if target.kind is _Kind.REAL:
            return float(str(value).strip())
    except ValueError:
        log.warning("cdr column %s cannot take %r: left empty", target.name, value)
        return None
    text = value.strftime(_TIME_FORMAT) if isinstance(value, datetime.datetime) else str(value)
    if not text:
        return None
    if target.length is not None and len(text) > target.length:
        log.warning("cdr column %s is %d characters wide: %r cut to fit",
                    target.name, target.length, text)
        text = text[: target.length]
    return text


class CdrTable:
    """Inserts into and selects from ``cdr``; remembers the table's columns once read."""

    def __init__(self) -> None:
        self._targets: dict[str, _Target] | None = None
        """Lower-case column name → column, primary key excluded."""
        self._table: Table | None = None

    async def insert(self, conn: AsyncConnection, rows: Sequence[CdrRecord]) -> None:
        if self._targets is None:
            await conn.run_sync(self._reflect)
        for statement, values in self._statements(rows):
            await conn.execute(statement, values)

    def _reflect(self, conn: Connection) -> None:
        inspector = inspect(conn)
        keys = set(inspector.get_pk_constraint(TABLE.name)["constrained_columns"])
        targets: dict[str, _Target] = {}
        for column in inspector.get_columns(TABLE.name):
            name = column["name"]
            if name in keys:
                continue
            type_ = column["type"]
            length = type_.length if isinstance(type_, String) else None
            targets[name.lower()] = _Target(name=name, kind=_kind(type_), length=length)
        self._targets = targets
        self._table = Table(
            TABLE.name,
            MetaData(),
            *(Column(target.name, _TYPES[target.kind]) for target in targets.values()),
        )

    def _statements(
        self, rows: Sequence[CdrRecord]
    ) -> Iterator[tuple[Insert, list[dict[str, object]]]]:
        """One executemany per set of columns: rows with different CDR variables fill
        different columns, and a column a row has no value for keeps its default."""
        assert self._targets is not None and self._table is not None
        groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
        for row in rows:
            values = self._values(row)
            groups.setdefault(tuple(values), []).append(values)
        for values_list in groups.values():
            yield insert(self._table), values_list

    def _values(self, row: CdrRecord) -> dict[str, object]:
        assert self._targets is not None
        fields = row.columns()
        variables = {name.lower(): value for name, value in row.variables}
        values: dict[str, object] = {}
        for lower, target in self._targets.items():
            # A CDR field wins over a variable of the same name, as in Asterisk.
            if lower in _FIELDS:
                values[target.name] = _cell(target, fields[lower])
            elif lower in variables:
                values[target.name] = _cell(target, variables[lower])
        return values

    async def between(
        self, conn: AsyncConnection, start: datetime.datetime, end: datetime.datetime
    ) -> list[CdrRecord]:
        statement = (
            _SELECT.where(TABLE.c.start.between(_local(start), _local(end)))
            .order_by(TABLE.c.start, TABLE.c.sequence)
        )
        rows = (await conn.execute(statement)).all()
        return [record for record in map(_record, rows) if record is not None]


def _local(moment: datetime.datetime) -> datetime.datetime:
    """*moment* as the table keeps times: local, without a zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment


def _record(row: Row[Any]) -> CdrRecord | None:
    """A row as a record; a row another tool wrote with unusable values is skipped, logged."""
    cells = row._mapping
    try:
        start, end = _time(cells["start"]), _time(cells["end"])
        if start is None or end is None:
            raise ValueError("start or end is empty")
        return CdrRecord(
            channel=cells["channel"] or "",
            uniqueid=cells["uniqueid"] or "",
            linkedid=cells["linkedid"] or "",
            start=start,
            answer=_time(cells["answer"]),
            end=end,
            duration=cells["duration"] or 0,
            billsec=cells["billsec"] or 0,
            disposition=Disposition(cells["disposition"]),
            amaflags=AmaFlags(cells["amaflags"] or AmaFlags.DOCUMENTATION),
            sequence=cells["sequence"] or 0,
            accountcode=cells["accountcode"] or None,
            src=cells["src"] or None,
            dst=cells["dst"] or None,
            dcontext=cells["dcontext"] or None,
            clid=cells["clid"] or None,
            dstchannel=cells["dstchannel"] or None,
            lastapp=cells["lastapp"] or None,
            lastdata=cells["lastdata"] or None,
            userfield=cells["userfield"] or None,
            peeraccount=cells["peeraccount"] or None,
            source=cells["source"] or None,
            destination=cells["destination"] or None,
            direction=cells["direction"] or None,
            group_uuid=cells["group_uuid"] or None,
        )
    except ValueError as exc:
        log.warning("cdr row of %s skipped: %s", cells["uniqueid"], exc)
        return None


def _time(value: datetime.datetime | None) -> datetime.datetime | None:
    # Another writer may have kept fractions of a second; records hold whole seconds.
    return None if value is None else value.replace(microsecond=0)
