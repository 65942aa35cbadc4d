"""Persistence: SQLAlchemy models in the Asterisk realtime shape, migrations, repositories.

Only this package imports SQLAlchemy and Alembic; the rest of the switch sees the records of
:mod:`.records` and the async methods of :class:`.repository.Store`, reached as
``(await Database.open(url)).store``.
"""

from __future__ import annotations

from softswitch.storage.database import Database
from softswitch.storage.fields import parse_bool
from softswitch.storage.records import (
    AorRecord,
    ApiAccessGroupRecord,
    ApiAccessRecord,
    ApiUserRecord,
    AuthRecord,
    CdrRecord,
    ContactRecord,
    DomainAliasRecord,
    EndpointRecord,
    IdentifyRecord,
    ImportSummary,
    ManagerUserRecord,
    PjsipObjects,
    RegistrationRecord,
    TransportRecord,
    contact_id,
)
from softswitch.storage.repository import StorageError, Store

__all__ = [
    "AorRecord",
    "ApiAccessGroupRecord",
    "ApiAccessRecord",
    "ApiUserRecord",
    "AuthRecord",
    "CdrRecord",
    "ContactRecord",
    "Database",
    "DomainAliasRecord",
    "EndpointRecord",
    "IdentifyRecord",
    "ImportSummary",
    "ManagerUserRecord",
    "PjsipObjects",
    "RegistrationRecord",
    "StorageError",
    "Store",
    "TransportRecord",
    "contact_id",
    "parse_bool",
]
