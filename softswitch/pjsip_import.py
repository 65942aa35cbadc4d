"""``pjsip.conf`` → PJSIP records, the way Asterisk's sorcery reads the file.

Each non-template section with ``type=endpoint|auth|aor|identify|registration|transport|
domain_alias`` becomes one record named after the section; option names are the record's
field names (``100rel`` for ``rel_100``, ``contact`` for ``AorRecord.contacts``). List options
(``allow``, ``aors``, ``match``, ``contact``, ``set_var`` …) accumulate over repeated lines and
inherited templates; any other option takes its last value.

What is not an error: an option we do not know (kept as a warning, so a site's file imports
as far as we understand it), a reference to an object the file does not define (it may
already be in the database; also a warning), ``type=global`` and ``type=system`` sections (only
``default_realm`` is kept), and Asterisk section types we do not serve (a warning). What is an
error, with ``file:line``: a section without ``type=``, an unknown type, a bad value, a missing
required option, two sections of the same type and name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from softswitch.asterisk_conf import AsteriskConfError, ConfSection, read_conf
from softswitch.storage.fields import FieldKind, record_specs
from softswitch.storage.records import (
    AorRecord,
    AuthRecord,
    DomainAliasRecord,
    EndpointRecord,
    IdentifyRecord,
    PjsipObjects,
    RegistrationRecord,
    TransportRecord,
)

RECORD_TYPES: dict[str, type] = {
    "endpoint": EndpointRecord,
    "auth": AuthRecord,
    "aor": AorRecord,
    "identify": IdentifyRecord,
    "registration": RegistrationRecord,
    "transport": TransportRecord,
    "domain_alias": DomainAliasRecord,
}
SETTINGS_TYPES = ("global", "system")
"""Sections of these types hold switch-wide settings; only ``default_realm`` is imported."""
UNSERVED_TYPES = (
    "phoneprov",
    "resource_list",
    "inbound-publication",
    "outbound-publish",
    "asterisk-publication",
)
"""Valid in Asterisk's ``pjsip.conf`` but for features the softswitch does not offer."""


class PjsipImportError(AsteriskConfError):
    """The file is valid ``.conf`` syntax but not a valid PJSIP configuration."""


def load_pjsip_conf(path: Path) -> PjsipObjects:
    """Read *path* (following its includes) into records; raises AsteriskConfError."""
    return pjsip_objects(read_conf(path))


def is_pjsip_conf(sections: Iterable[ConfSection]) -> bool:
    """Whether any section carries a PJSIP ``type=``."""
    known = {*RECORD_TYPES, *SETTINGS_TYPES, *UNSERVED_TYPES}
    return any((section.get("type") or "").strip().lower() in known for section in sections)


def pjsip_objects(sections: Sequence[ConfSection]) -> PjsipObjects:
    """Turn parsed sections into records; raises PjsipImportError naming ``file:line``."""
    warnings: list[str] = []
    built: dict[str, dict[str, tuple[Any, str]]] = {kind: {} for kind in RECORD_TYPES}
    default_realm: str | None = None
    for section in sections:
        if section.is_template:
            continue
        kind = _section_type(section)
        if kind in SETTINGS_TYPES:
            default_realm = section.get("default_realm") or default_realm
            continue
        if kind in UNSERVED_TYPES:
            warnings.append(
                f"{section.where}: section '{section.name}' of type '{kind}' is not supported;"
                " skipped"
            )
            continue
        previous = built[kind].get(section.name)
        if previous is not None:
            raise PjsipImportError(
                f"{section.where}: {kind} '{section.name}' is already defined at {previous[1]}"
            )
        record = _build(section, kind, warnings)
        built[kind][section.name] = (record, section.where)
    warnings.extend(_dangling_references(built))
    records = {kind: tuple(record for record, _ in found.values()) for kind, found in built.items()}
    return PjsipObjects(
        endpoints=records["endpoint"],
        auths=records["auth"],
        aors=records["aor"],
        identifies=records["identify"],
        registrations=records["registration"],
        transports=records["transport"],
        domain_aliases=records["domain_alias"],
        default_realm=default_realm,
        warnings=tuple(warnings),
    )


def _section_type(section: ConfSection) -> str:
    indexes = [i for i, (key, _) in enumerate(section.items) if key.lower() == "type"]
    if not indexes:
        raise PjsipImportError(f"{section.where}: section '{section.name}' has no type=")
    last = indexes[-1]
    kind = section.items[last][1].strip().lower()
    if kind not in RECORD_TYPES and kind not in SETTINGS_TYPES and kind not in UNSERVED_TYPES:
        raise PjsipImportError(
            f"{section.location_of(last)}: section '{section.name}' has unknown type '{kind}'"
        )
    return kind


def _build(section: ConfSection, kind: str, warnings: list[str]) -> object:
    cls = RECORD_TYPES[kind]
    specs = {spec.option.lower(): spec for spec in record_specs(cls) if spec.name != "id"}
    values: dict[str, Any] = {}
    for index, (key, text) in enumerate(section.items):
        option = key.lower()
        if option == "type":
            continue
        where = section.location_of(index)
        spec = specs.get(option)
        if spec is None:
            warnings.append(f"{where}: unknown option '{key}' for {kind} '{section.name}'")
            continue
        try:
            value = spec.from_text(text)
        except ValueError as exc:
            raise PjsipImportError(
                f"{where}: {kind} '{section.name}': bad value for '{key}': {exc}"
            ) from None
        if spec.kind is FieldKind.LIST:
            assert isinstance(value, tuple)
            values[spec.name] = tuple(dict.fromkeys(values.get(spec.name, ()) + value))
        else:
            values[spec.name] = value
    for spec in specs.values():
        if spec.required and values.get(spec.name) is None:
            raise PjsipImportError(f"{section.where}: {kind} '{section.name}' needs {spec.option}=")
    if kind == "auth" and values.get("auth_type") == "md5" and not values.get("md5_cred"):
        raise PjsipImportError(
            f"{section.where}: auth '{section.name}' has auth_type=md5 but no md5_cred="
        )
    try:
        return cls(id=section.name, **values)
    except ValueError as exc:
        raise PjsipImportError(f"{section.where}: {kind} '{section.name}': {exc}") from None


def _dangling_references(built: dict[str, dict[str, tuple[Any, str]]]) -> list[str]:
    notes: list[str] = []

    def check(where: str, owner: str, option: str, target_kind: str, names: Iterable[str]) -> None:
        for name in names:
            if name not in built[target_kind]:
                notes.append(
                    f"{where}: {owner} refers to {target_kind} '{name}' ({option}=),"
                    " which this file does not define"
                )

    for endpoint, where in built["endpoint"].values():
        assert isinstance(endpoint, EndpointRecord)
        owner = f"endpoint '{endpoint.id}'"
        check(where, owner, "aors", "aor", endpoint.aors)
        check(where, owner, "auth", "auth", _present(endpoint.auth))
        check(where, owner, "outbound_auth", "auth", _present(endpoint.outbound_auth))
    for identify, where in built["identify"].values():
        assert isinstance(identify, IdentifyRecord)
        check(where, f"identify '{identify.id}'", "endpoint", "endpoint", [identify.endpoint])
    for registration, where in built["registration"].values():
        assert isinstance(registration, RegistrationRecord)
        owner = f"registration '{registration.id}'"
        check(where, owner, "outbound_auth", "auth", _present(registration.outbound_auth))
    return notes


def _present(name: str | None) -> tuple[str, ...]:
    return (name,) if name else ()
