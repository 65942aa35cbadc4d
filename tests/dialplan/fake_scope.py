"""A dict-backed :class:`~dialplan_engine.scope.FunctionContext` for the tests of
substitution, expressions and functions: no interpreter, no switch, and so never inside a
Gosub (the functions that need one are tested through the interpreter)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dialplan_engine.model import Dialplan
from dialplan_engine.scope import (
    DialgroupStore,
    ExceptionInfo,
    GosubFrame,
    MemoryAstDb,
    MemoryDialgroups,
    split_inheritance,
)


@dataclass
class FakeChannel:
    """The channel attributes functions read and write."""

    name: str = "PJSIP/101-00000001"
    uniqueid: str = "1700000000.1"
    linkedid: str = ""
    state_description: str = "Up"
    hung_up: bool = False
    caller_number: str = "101"
    caller_name: str = "Alice"
    language: str = "en"
    accountcode: str = ""
    cdr_fields: dict[str, str] = field(default_factory=dict)

    def set_cdr_field(self, name: str, value: str) -> None:
        self.cdr_fields[name] = value

    def cdr_field(self, name: str) -> str | None:
        return self.cdr_fields.get(name)


@dataclass
class FakeContext:
    builtins: dict[str, str] = field(
        default_factory=lambda: {"EXTEN": "5551234", "CONTEXT": "internal", "PRIORITY": "1"}
    )
    variables: dict[str, str] = field(default_factory=dict)
    globals: dict[str, str] = field(default_factory=dict)
    inheritance: dict[str, str] = field(default_factory=dict)
    """Stored name -> the prefix it was set with (``_`` or ``__``)."""
    channel: FakeChannel = field(default_factory=FakeChannel)
    dialgroups: DialgroupStore = field(default_factory=MemoryDialgroups)
    astdb: MemoryAstDb = field(default_factory=MemoryAstDb)
    dialplan: Dialplan = field(default_factory=Dialplan)
    caller_id: str = "101"
    exception: ExceptionInfo | None = None
    hangup_handlers: list[str] = field(default_factory=list)
    frames: tuple[GosubFrame, ...] = ()

    def builtin(self, name: str) -> str | None:
        return self.builtins.get(name)

    def get_variable(self, name: str) -> str | None:
        found = self.variables.get(name)
        return found if found is not None else self.globals.get(name)

    def set_variable(self, name: str, value: str) -> None:
        stored, _ = split_inheritance(name)
        self.variables[stored] = value
        if stored != name:
            self.inheritance[stored] = name[: len(name) - len(stored)]

    def get_global(self, name: str) -> str | None:
        return self.globals.get(name)

    def set_global(self, name: str, value: str) -> None:
        self.globals[name] = value

    def variable_names(self) -> list[str]:
        return list(reversed(self.variables))

    def get_local(self, name: str) -> str | None:
        return None

    def set_local(self, name: str, value: str) -> bool:
        return False

    def peek_variable(self, name: str, depth: int) -> str | None:
        return self.variables.get(name) if depth == 0 else None
