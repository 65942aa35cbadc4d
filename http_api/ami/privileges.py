"""Privilege classes as sessions use them: event masks, and the text ListCommands shows."""

from __future__ import annotations

from collections.abc import Sequence

from softswitch.manager_conf import PRIVILEGE_CLASSES, expand_classes, parse_classes

_ON = frozenset({"on", "yes", "true"})
_OFF = frozenset({"off", "no", "false"})


def parse_event_mask(text: str, readable: frozenset[str]) -> frozenset[str] | None:
    """The classes an ``Events``/``EventMask`` value asks for, within *readable*.

    ``on``/``off`` (and yes/no/true/false), a number (Asterisk's bit mask), or a comma list
    of classes; None when the value is none of these.
    """
    value = text.strip().lower()
    if value in _ON:
        return readable
    if value in _OFF:
        return frozenset()
    if value.isdigit():
        bits = int(value)
        return readable & {name for bit, name in enumerate(PRIVILEGE_CLASSES) if bits >> bit & 1}
    try:
        return readable & expand_classes(parse_classes(value))
    except ValueError:
        return None


def privilege_text(classes: Sequence[str]) -> str:
    """``system,call,all`` for a restricted action, ``<none>`` for one anyone may run."""
    return ",".join((*classes, "all")) if classes else "<none>"
