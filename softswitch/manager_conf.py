"""``manager.conf``: Manager API logins, their privilege classes and address rules.

:func:`manager_users` turns the parsed sections into :class:`ManagerUserRecord` rows for
``softswitch config load manager.conf``. ``[general]`` is not stored: the listener comes from
``softswitch.toml`` (``[ami] listen``), so its ``enabled``/``port``/``bindaddr`` only produce
warnings saying where to set them. :func:`acl_allows` applies a user's rules to a client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from softswitch.asterisk_conf import AsteriskConfError, ConfSection
from softswitch.storage.records import ManagerUserRecord

PRIVILEGE_CLASSES = (
    "system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf",
    "reporting", "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security",
    "message",
)
"""Asterisk's classes in its bit order (``system`` is bit 0), which numeric masks use."""

_GENERAL_SETTINGS = {
    "enabled": "the Manager API always runs; bind it with [ami] listen in softswitch.toml",
    "port": "set the port with [ami] listen in softswitch.toml",
    "bindaddr": "set the address with [ami] listen in softswitch.toml",
}
_USER_KEYS_IGNORED = frozenset({
    "displayconnects", "writetimeout", "allowmultiplelogin", "eventfilter", "setvar", "acl",
    "channelvars", "timestampevents",
})
_ACL_KEYS = ("permit", "deny")


@dataclass(frozen=True, slots=True, kw_only=True)
class ManagerImport:
    users: tuple[ManagerUserRecord, ...]
    warnings: tuple[str, ...]

    def __str__(self) -> str:
        count = len(self.users)
        return f"{count} manager user{'' if count == 1 else 's'}"


def parse_classes(text: str) -> tuple[str, ...]:
    """A comma list of classes, lower-cased and checked; ``none`` and empty give ``()``."""
    classes: list[str] = []
    for part in text.split(","):
        name = part.strip().lower()
        if not name or name == "none":
            continue
        if name != "all" and name not in PRIVILEGE_CLASSES:
            raise ValueError(f"unknown privilege class {name!r}")
        if name not in classes:
            classes.append(name)
    return tuple(classes)


def expand_classes(classes: Sequence[str]) -> frozenset[str]:
    """The classes *classes* grants, with ``all`` spelled out."""
    if "all" in classes:
        return frozenset(PRIVILEGE_CLASSES)
    return frozenset(classes)


def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """``10.0.0.0/8``, ``127.0.0.1/255.255.255.255`` or a bare address."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"bad network {text.strip()!r}") from None


def acl_allows(rules: Sequence[tuple[str, str]], address: str) -> bool:
    """Whether *address* passes *rules*: permitted unless the last rule it matches denies."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    allowed = True
    for action, network in rules:
        if ip in parse_network(network):
            allowed = action == "permit"
    return allowed


def manager_users(sections: Sequence[ConfSection]) -> ManagerImport:
    """The users of a parsed ``manager.conf``; a bad value raises with its location."""
    users: list[ManagerUserRecord] = []
    warnings: list[str] = []
    for section in sections:
        if section.is_template:
            continue
        if section.name.lower() == "general":
            warnings.extend(_general_warnings(section))
            continue
        users.append(_user(section, warnings))
    return ManagerImport(users=tuple(users), warnings=tuple(warnings))


def _general_warnings(section: ConfSection) -> list[str]:
    warnings = []
    for index, (key, value) in enumerate(section.items):
        hint = _GENERAL_SETTINGS.get(key.lower())
        if hint is not None:
            warnings.append(f"{section.location_of(index)}: {key} = {value} not imported: {hint}")
    return warnings


def _user(section: ConfSection, warnings: list[str]) -> ManagerUserRecord:
    secret: str | None = None
    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    acl: list[tuple[str, str]] = []
    for index, (key, value) in enumerate(section.items):
        name = key.lower()
        where = section.location_of(index)
        try:
            if name == "secret":
                secret = value
            elif name == "read":
                read = parse_classes(value)
            elif name == "write":
                write = parse_classes(value)
            elif name in _ACL_KEYS:
                parse_network(value)
                acl.append((name, value.strip()))
            elif name in _USER_KEYS_IGNORED:
                warnings.append(f"{where}: {key} of user {section.name} is not supported yet")
            else:
                warnings.append(f"{where}: unknown option {key} of user {section.name}")
        except ValueError as exc:
            raise AsteriskConfError(f"{where}: {key}: {exc}") from None
    if secret is None:
        raise AsteriskConfError(f"{section.where}: manager user {section.name} has no secret")
    return ManagerUserRecord(name=section.name, secret=secret, read=read, write=write,
                             acl=tuple(acl))


def is_manager_conf(sections: Sequence[ConfSection]) -> bool:
    """A file with a ``[general]`` section and users that have a ``secret``."""
    names = {s.name.lower() for s in sections}
    return "general" in names and any(s.get("secret") is not None for s in sections)
