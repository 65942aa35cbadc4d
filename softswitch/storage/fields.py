"""How each record field is spelled, typed and defaulted in Asterisk's options and columns.

One description per field, read from the record dataclasses themselves, serves the three
places that turn text into records and back: the ``ps_*`` columns, ``pjsip.conf`` options and
record validation. A field's metadata may rename its option (``rel_100`` is ``100rel``), list
the values it accepts, or choose the separator of a multi-valued column.

Asterisk stores booleans as text and accepts eight spellings (``ast_bool_values``); multi-valued
options are comma lists, except ``set_var`` whose values contain commas, and which realtime
drivers keep ``;``-separated.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Iterable, Mapping
from typing import Any

_TRUE = frozenset({"1", "on", "true", "yes"})
_FALSE = frozenset({"0", "off", "false", "no"})


def parse_bool(text: str) -> bool:
    """Asterisk's boolean spellings, case-insensitively; anything else raises ValueError."""
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"expected yes/no, true/false, on/off or 1/0, got {text!r}")


def format_bool(value: bool) -> str:
    return "yes" if value else "no"


def split_list(text: str, separator: str = ",") -> tuple[str, ...]:
    return tuple(item for item in (part.strip() for part in text.split(separator)) if item)


def meta(
    *, option: str | None = None, choices: Iterable[str] = (), separator: str = ","
) -> Mapping[str, object]:
    """Field metadata for a record: Asterisk's name, accepted values, list separator."""
    return {"option": option, "choices": tuple(choices), "separator": separator}


class FieldKind(enum.Enum):
    BOOL = "bool"
    INT = "int"
    OPTIONAL_INT = "int | None"
    FLOAT = "float"
    OPTIONAL_FLOAT = "float | None"
    TEXT = "str"
    OPTIONAL_TEXT = "str | None"
    LIST = "tuple[str, ...]"


_KINDS: dict[object, FieldKind] = {
    bool: FieldKind.BOOL,
    int: FieldKind.INT,
    int | None: FieldKind.OPTIONAL_INT,
    float: FieldKind.FLOAT,
    float | None: FieldKind.OPTIONAL_FLOAT,
    str: FieldKind.TEXT,
    str | None: FieldKind.OPTIONAL_TEXT,
    tuple[str, ...]: FieldKind.LIST,
}

_NUMERIC = frozenset(
    {FieldKind.INT, FieldKind.OPTIONAL_INT, FieldKind.FLOAT, FieldKind.OPTIONAL_FLOAT}
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FieldSpec:
    name: str
    """Attribute name on the record."""
    option: str
    """Option name in ``pjsip.conf`` and column name in the ``ps_*`` table."""
    kind: FieldKind
    required: bool
    default: object
    """The Asterisk default; meaningless when required."""
    choices: tuple[str, ...]
    """Canonical spellings of the accepted values (matched case-insensitively); empty = any."""
    separator: str

    def problem(self, value: object) -> str | None:
        """Why *value* cannot be stored in this field, or None when it can."""
        if self.kind in _NUMERIC:
            if isinstance(value, int | float) and value < 0:
                return f"must not be negative, got {value!r}"
            return None
        if self.kind is FieldKind.LIST:
            if not isinstance(value, tuple):
                return f"expected a tuple, got {value!r}"
            for item in value:
                if not isinstance(item, str) or not item or item != item.strip():
                    return f"bad list item {item!r}"
                if self.separator in item:
                    return f"list item {item!r} contains the separator {self.separator!r}"
                if self.choices and item not in self.choices:
                    return f"{item!r} is not one of {', '.join(self.choices)}"
            return None
        if self.kind is FieldKind.TEXT and self.required and not value:
            return "must not be empty"
        if self.choices and value is not None and value not in self.choices:
            return f"{value!r} is not one of {', '.join(self.choices)}"
        return None

    def canonical(self, text: str) -> str:
        """The canonical spelling of a choice value; ValueError when it is not a choice."""
        word = text.strip()
        if not self.choices:
            return word
        for choice in self.choices:
            if choice.lower() == word.lower():
                return choice
        raise ValueError(f"expected one of {', '.join(self.choices)}, got {text!r}")

    def from_text(self, text: str) -> object:
        """Parse an option value as written in a ``.conf`` file or a text column."""
        kind = self.kind
        if kind is FieldKind.BOOL:
            return parse_bool(text)
        if kind is FieldKind.LIST:
            return tuple(self.canonical(item) for item in split_list(text, self.separator))
        if kind in _NUMERIC:
            integral = kind in (FieldKind.INT, FieldKind.OPTIONAL_INT)
            if not text.strip() and kind in (FieldKind.OPTIONAL_INT, FieldKind.OPTIONAL_FLOAT):
                return None
            try:
                number = int(text) if integral else float(text)
            except ValueError:
                noun = "an integer" if integral else "a number"
                raise ValueError(f"expected {noun}, got {text!r}") from None
            if number < 0:
                raise ValueError(f"must not be negative, got {text!r}")
            return number
        if not text.strip():
            if kind is FieldKind.OPTIONAL_TEXT:
                return None
            if self.required:
                raise ValueError("must not be empty")
            return self.default
        return self.canonical(text)

    def from_column(self, value: object) -> object:
        """Decode a column value; NULL means the default, as in Asterisk realtime."""
        if value is None:
            if self.required:
                raise ValueError("missing")
            return self.default
        if isinstance(value, str):
            return self.from_text(value)
        if self.kind is FieldKind.BOOL and isinstance(value, int):
            # A site's own schema may hold flags as BOOLEAN or 0/1 integers.
            return bool(value)
        if self.kind in (FieldKind.INT, FieldKind.OPTIONAL_INT):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"expected an integer, got {value!r}")
            return int(value)
        if self.kind in (FieldKind.FLOAT, FieldKind.OPTIONAL_FLOAT):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"expected a number, got {value!r}")
            return float(value)
        raise ValueError(f"expected text, got {value!r}")

    def to_column(self, value: object) -> object:
        if self.kind is FieldKind.BOOL:
            return format_bool(bool(value))
        if self.kind is FieldKind.LIST and isinstance(value, tuple):
            # NULL reads back as the default, so only an empty list whose default is not
            # empty (identify_by) needs an explicit empty string.
            if not value and not self.default:
                return None
            return self.separator.join(value)
        return value


_SPECS: dict[type, tuple[FieldSpec, ...]] = {}


def record_specs(cls: type) -> tuple[FieldSpec, ...]:
    """The field descriptions of a record dataclass, in declaration order."""
    cached = _SPECS.get(cls)
    if cached is None:
        cached = _SPECS[cls] = _describe(cls)
    return cached


def _describe(cls: type) -> tuple[FieldSpec, ...]:
    hints = typing.get_type_hints(cls)
    specs = []
    for f in dataclasses.fields(cls):
        kind = _KINDS.get(hints[f.name])
        if kind is None:
            raise TypeError(f"{cls.__name__}.{f.name}: unsupported field type {hints[f.name]}")
        required = f.default is dataclasses.MISSING
        option = f.metadata.get("option") or f.name
        choices = f.metadata.get("choices", ())
        separator = f.metadata.get("separator", ",")
        assert isinstance(option, str)
        assert isinstance(choices, tuple)
        assert isinstance(separator, str)
        specs.append(
            FieldSpec(
                name=f.name,
                option=option,
                kind=kind,
                required=required,
                default=None if required else f.default,
                choices=choices,
                separator=separator,
            )
        )
    return tuple(specs)


def check_record(record: object) -> None:
    """Raise ValueError naming the first field whose value a record may not hold."""
    for spec in record_specs(type(record)):
        problem = spec.problem(getattr(record, spec.name))
        if problem is not None:
            raise ValueError(f"{type(record).__name__}.{spec.name}: {problem}")


def record_to_row(record: object) -> dict[str, object]:
    """Column name → value for every field of *record*."""
    return {
        spec.option: spec.to_column(getattr(record, spec.name))
        for spec in record_specs(type(record))
    }


def record_values_from_row(cls: type, row: Mapping[Any, Any]) -> tuple[dict[str, Any], list[str]]:
    """Decode one row into constructor arguments for *cls*, plus what was wrong with it.

    A column that does not decode (a bad boolean written by another tool) falls back to the
    Asterisk default and is reported, so one bad cell does not hide a whole endpoint; a
    required column that is missing or bad raises ValueError.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for spec in record_specs(cls):
        try:
            value = spec.from_column(row.get(spec.option))
            problem = spec.problem(value)
        except ValueError as exc:
            problem = str(exc)
        if problem is not None:
            if spec.required:
                raise ValueError(f"column {spec.option}: {problem}")
            problems.append(f"column {spec.option}: {problem}; using the default")
            value = spec.default
        values[spec.name] = value
    return values, problems
