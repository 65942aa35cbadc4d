"""Reader for ``extensions.conf``.

What it understands::

    [general]                        autofallthrough = yes|no (others accepted)
    [globals]                        NAME = value, ${NAME} of an earlier global replaced
    [context]                        any other name; a repeated [context] adds to it
    exten => 100/CID,1(label),App(args)   CID optional; '=' works as well as '=>'
    same => n,App(args)              the extension of the previous exten line here
    exten => 100,hint,PJSIP/100      a hint: kept in Context.hints, never run
    include => other[,9:00-17:00,mon-fri,*,*[,tz]]
    switch => Realtime/...           also lswitch, eswitch; ignorepat => 9 is accepted
    ; comment   \\; literal   ;-- block comment, may span lines --;
    #include "file.conf"             also <file.conf> or bare; #tryinclude skips a missing one
    [name](!)  [name](tmpl)  [name](+)   template, inherit a section's lines, add to one

Priorities are ``1``, ``n``/``next`` (the previous priority number *in this section*, of
whatever extension, plus one), ``s``/``same`` (that number), a label of the same extension, or
``hint``; any of the numeric ones may end in ``+N``. The application is the text before the
first ``(``; its arguments run to the last ``)`` on the line (to the end if there is none).
Extension names, include and switch values are substituted against the globals (by plain
``${NAME}`` replacement) when read.

The first problem raises :class:`~dialplan_engine.errors.DialplanSyntaxError`
(``file:line: message``) and nothing is returned, so a reload never half-loads. What Asterisk
only warns about -- a duplicate priority (the first wins), a context included twice, a
``_.`` extension -- goes to :attr:`Dialplan.warnings`. Stricter than Asterisk: it ignores an
unknown directive, a priority ``n`` with no number before it, an empty application, junk
after a section header or a bad time window with a warning; here they are errors.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dialplan_engine.args import is_affirmative
from dialplan_engine.errors import DialplanSyntaxError
from dialplan_engine.model import ContextBuilder, Dialplan, Include, Priority
from dialplan_engine.timespec import TimeSpec

Loader = Callable[[str], tuple[str, str]]
"""``loader(name) -> (text, filename)`` for ``#include name``; raise ``OSError`` if missing."""

_DIRECTIVE = re.compile(r"#\s*(\w+)\s*(.*)")
_PRIORITY = re.compile(
    r"(?P<base>[^()+]*?)\s*(?:\+\s*(?P<plus>[0-9]+)\s*)?(?:\((?P<label>[^()]*)\))?"
)
_NUMBER = re.compile(r"[0-9]+")
_FIELD_SEPARATOR = re.compile(r"[,|]")
_GLOBAL_REFERENCE = re.compile(r"\$\{([^${}]*)\}")
_GENERAL_OPTIONS = frozenset(
    {"autofallthrough", "clearglobalvars", "extenpatternmatchnew", "static", "writeprotect",
     "userscontext", "priorityjumping"}
)  # fmt: skip
_CATCH_ALL = frozenset({"_.", "_!"})


class _Kind(enum.Enum):
    GENERAL = "general"
    GLOBALS = "globals"
    CONTEXT = "context"


@dataclass(frozen=True, slots=True)
class _Line:
    key: str
    value: str
    filename: str
    number: int

    @property
    def where(self) -> str:
        return f"{self.filename}:{self.number}"

    def error(self, message: str) -> DialplanSyntaxError:
        return DialplanSyntaxError(self.filename, self.number, message)


@dataclass(slots=True)
class _Section:
    """One ``[name]`` header and the lines under it (lines of an included file too)."""

    name: str
    is_template: bool
    lines: list[_Line] = field(default_factory=list)

    @property
    def kind(self) -> _Kind:
        lowered = self.name.lower()
        if lowered == "general":
            return _Kind.GENERAL
        return _Kind.GLOBALS if lowered == "globals" else _Kind.CONTEXT


def parse_extensions_conf(
    text: str, *, filename: str = "extensions.conf", loader: Loader | None = None
) -> Dialplan:
    """Parse *text*; ``#include`` uses *loader*, else files beside the including one."""
    reader = _Reader(loader)
    reader.feed(text, filename)
    return _Compiler(reader.warnings).compile(reader.sections)


def load_extensions_conf(path: Path) -> Dialplan:
    """Read and parse *path* (``OSError`` if it cannot be read)."""
    return parse_extensions_conf(_read_file(path), filename=str(path))


def _read_file(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DialplanSyntaxError(str(path), line, "not UTF-8 text") from None


def _file_identity(filename: str) -> str:
    return os.path.normpath(os.path.abspath(filename))


def _strip_comments(raw: str, depth: int) -> tuple[str, int]:
    """*raw* without comments, and the block-comment nesting depth after it."""
    kept: list[str] = []
    index = 0
    while index < len(raw):
        if depth:
            if raw.startswith("--;", index):
                depth -= 1
                index += 3
            elif raw.startswith(";--", index):
                depth += 1
                index += 3
            else:
                index += 1
            continue
        char = raw[index]
        if char != ";":
            kept.append(char)
            index += 1
        elif kept and kept[-1] == "\\":
            kept[-1] = ";"
            index += 1
        elif raw.startswith(";--", index):
            depth += 1
            index += 3
        else:
            break
    return "".join(kept), depth


class _Reader:
    """Turns files into sections of ``key => value`` lines, following ``#include``."""

    def __init__(self, loader: Loader | None) -> None:
        self._loader = loader
        self.sections: list[_Section] = []
        self.warnings: list[str] = []
        self._current: _Section | None = None
        self._open: list[tuple[str, str]] = []
        """``(identity, filename)`` of the files being read, outermost first."""

    def feed(self, text: str, filename: str) -> None:
        self._open.append((_file_identity(filename), filename))
        depth = 0
        opened_at = 0
        for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
            was_open = depth
            content, depth = _strip_comments(raw.removesuffix("\r"), depth)
            if depth and not was_open:
                opened_at = number
            line = content.strip()
            if not line:
                continue
            if line.startswith("#"):
                self._directive(line, filename, number)
            elif line.startswith("["):
                self._header(line, filename, number)
            else:
                self._entry(line, filename, number)
        if depth:
            self.warnings.append(f"{filename}:{opened_at}: block comment ';--' is never closed")
        self._open.pop()

    def _directive(self, line: str, filename: str, number: int) -> None:
        found = _DIRECTIVE.fullmatch(line)
        word = found.group(1).lower() if found else ""
        if found is None or word not in ("include", "tryinclude"):
            if word == "exec":
                raise DialplanSyntaxError(filename, number, "#exec is not supported")
            raise DialplanSyntaxError(
                filename, number, f"unknown directive '{line.split(maxsplit=1)[0]}'"
            )
        target = found.group(2).strip()
        if len(target) >= 2 and (target[0], target[-1]) in (('"', '"'), ("<", ">")):
            target = target[1:-1].strip()
        if not target:
            raise DialplanSyntaxError(filename, number, f"#{word} needs a file name")
        try:
            text, included = self._load(target, filename)
        except OSError as exc:
            if word == "tryinclude":
                return
            reason = exc.strerror or str(exc)
            message = f"cannot include '{target}': {reason}"
            raise DialplanSyntaxError(filename, number, message) from None
        identity = _file_identity(included)
        names = [name for known, name in self._open]
        identities = [known for known, name in self._open]
        if identity in identities:
            chain = " -> ".join([*names[identities.index(identity) :], included])
            raise DialplanSyntaxError(filename, number, f"#include cycle: {chain}")
        # The included file goes on in the section open here; afterwards that section
        # resumes, whatever the included file opened.
        resume = self._current
        self.feed(text, included)
        self._current = resume

    def _load(self, target: str, including: str) -> tuple[str, str]:
        if self._loader is not None:
            return self._loader(target)
        path = Path(target)
        if not path.is_absolute():
            path = Path(including).parent / path
        return _read_file(path), str(path)

    def _header(self, line: str, filename: str, number: int) -> None:
        close = line.find("]")
        if close == -1:
            raise DialplanSyntaxError(filename, number, "bad section header: missing ']'")
        name = line[1:close].strip()
        if not name:
            raise DialplanSyntaxError(filename, number, "bad section header: empty name")
        rest = line[close + 1 :].strip()
        flags: list[str] = []
        if rest:
            if not (rest.startswith("(") and rest.endswith(")")):
                message = f"bad section header: unexpected '{rest}' after ']'"
                raise DialplanSyntaxError(filename, number, message)
            flags = [flag.strip() for flag in rest[1:-1].split(",") if flag.strip()]
        if "+" in flags:
            earlier = [section for section in self.sections if section.name == name]
            if len(flags) > 1 or not earlier:
                message = f"bad section header: '(+)' needs an earlier [{name}] and no other flag"
                raise DialplanSyntaxError(filename, number, message)
            self._current = earlier[-1]
            return
        section = _Section(name=name, is_template="!" in flags)
        for parent in (flag for flag in flags if flag != "!"):
            source = next((known for known in self.sections if known.name == parent), None)
            if source is None:
                message = f"bad section header: no section '{parent}' to inherit from"
                raise DialplanSyntaxError(filename, number, message)
            section.lines.extend(source.lines)
        self.sections.append(section)
        self._current = section

    def _entry(self, line: str, filename: str, number: int) -> None:
        equals = line.find("=")
        if equals <= 0:
            raise DialplanSyntaxError(filename, number, f"expected 'name => value', not '{line}'")
        key = line[:equals].strip()
        value = line[equals + 1 :].removeprefix(">").strip()
        if self._current is None:
            raise DialplanSyntaxError(filename, number, f"'{key}' outside any section")
        self._current.lines.append(_Line(key=key, value=value, filename=filename, number=number))


@dataclass(slots=True)
class _SectionState:
    """What ``n`` and ``same`` refer to; reset at every section header."""

    context: ContextBuilder
    last_number: int | None = None
    last_exten: tuple[str, str | None] | None = None


class _Compiler:
    """Turns the sections into a :class:`Dialplan`: [general] and [globals] first, so that
    globals defined anywhere substitute into extension names, then the contexts in order."""

    def __init__(self, warnings: list[str]) -> None:
        self._warnings = warnings
        self._globals: dict[str, str] = {}
        self._autofallthrough = True
        self._contexts: dict[str, ContextBuilder] = {}
        self._warned_catch_all: set[tuple[str, str]] = set()

    def compile(self, sections: list[_Section]) -> Dialplan:
        used = [section for section in sections if not section.is_template]
        for section in used:
            for line in section.lines:
                if section.kind is _Kind.GENERAL:
                    self._general(line)
                elif section.kind is _Kind.GLOBALS:
                    self._globals[line.key] = self._substitute(line.value)
        for section in used:
            if section.kind is _Kind.CONTEXT:
                builder = self._contexts.get(section.name)
                if builder is None:
                    builder = self._contexts[section.name] = ContextBuilder(section.name)
                state = _SectionState(context=builder)
                for line in section.lines:
                    self._context_line(line, state)
        return Dialplan(
            contexts={name: builder.build() for name, builder in self._contexts.items()},
            globals=tuple(self._globals.items()),
            autofallthrough=self._autofallthrough,
            warnings=tuple(self._warnings),
        )

    def _substitute(self, text: str) -> str:
        return _GLOBAL_REFERENCE.sub(
            lambda found: self._globals.get(found.group(1), found.group(0)), text
        )

    def _warn(self, warning: str | None) -> None:
        if warning is not None:
            self._warnings.append(warning)

    def _general(self, line: _Line) -> None:
        option = line.key.lower()
        if option not in _GENERAL_OPTIONS:
            self._warn(f"{line.where}: unknown [general] option '{line.key}'; ignored")
        elif option == "autofallthrough":
            self._autofallthrough = is_affirmative(line.value)
        elif option == "extenpatternmatchnew" and is_affirmative(line.value):
            self._warn(f"{line.where}: extenpatternmatchnew is not supported; ignored")

    def _context_line(self, line: _Line, state: _SectionState) -> None:
        directive = line.key.lower()
        context = state.context
        try:
            if directive in ("exten", "same"):
                self._exten(line, state, same=directive == "same")
            elif directive == "include":
                self._include(line, context)
            elif directive in ("switch", "lswitch", "eswitch"):
                value = line.value if directive == "eswitch" else self._substitute(line.value)
                if not value:
                    raise line.error(f"'{line.key}' needs a value")
                context.add_switch(value)
            elif directive != "ignorepat":
                raise line.error(f"unknown directive '{line.key}' in context '{context.name}'")
        except DialplanSyntaxError:
            raise
        except ValueError as exc:
            raise line.error(str(exc)) from None

    def _include(self, line: _Line, context: ContextBuilder) -> None:
        name, *rest = _FIELD_SEPARATOR.split(self._substitute(line.value), maxsplit=1)
        name, spec = name.strip(), "".join(rest).strip()
        if not name:
            raise line.error("'include' needs a context name")
        timespec = None
        if spec:
            try:
                timespec = TimeSpec.parse(spec)
            except ValueError as exc:
                raise line.error(f"bad time spec '{spec}': {exc}") from None
        self._warn(context.add_include(Include(context=name, timespec=timespec), line.where))

    def _exten(self, line: _Line, state: _SectionState, *, same: bool) -> None:
        context = state.context
        if same:
            if state.last_exten is None:
                raise line.error(f"'same' before any 'exten' in context '{context.name}'")
            name, cid = state.last_exten
            rest = line.value
        else:
            written, comma, rest = line.value.partition(",")
            name, slash, cid_text = self._substitute(written.strip()).partition("/")
            name = name.strip()
            if not name:
                raise line.error("missing extension")
            if not comma:
                raise line.error("missing priority")
            cid = cid_text.strip() if slash else None
            state.last_exten = (name, cid)
        priority_text, _, application = rest.partition(",")
        priority_text = priority_text.strip()
        if not priority_text:
            raise line.error("missing priority")
        found = _PRIORITY.fullmatch(priority_text)
        base = found.group("base") if found else ""
        if found is None or not base:
            raise line.error(f"bad priority '{priority_text}'")
        if base == "hint":
            if found.group("plus") or found.group("label") is not None:
                raise line.error(f"bad priority '{priority_text}'")
            device = application.strip()
            if not device:
                raise line.error("missing device for hint")
            self._warn(context.add_hint(name, device, line.where))
            return
        if base in ("n", "next", "s", "same"):
            if state.last_number is None:
                message = f"priority '{base}' before any numbered priority in context "
                raise line.error(f"{message}'{context.name}'")
            number = state.last_number + (1 if base in ("n", "next") else 0)
        elif _NUMBER.fullmatch(base):
            number = int(base)
            if number < 1:
                raise line.error(f"bad priority '{priority_text}'")
        else:
            known = context.label_of(name, cid, base)
            if known is None:
                raise line.error(f"bad priority '{priority_text}': no such label")
            number = known
        number += int(found.group("plus") or 0)
        state.last_number = number
        app, appdata = _split_application(application)
        if not app:
            raise line.error("missing application")
        label = (found.group("label") or "").strip() or None
        priority = Priority(number=number, label=label, app=app, appdata=appdata, source=line.where)
        self._warn(context.add_priority(name, cid, priority))
        if name in _CATCH_ALL and (context.name, name) not in self._warned_catch_all:
            self._warned_catch_all.add((context.name, name))
            self._warn(
                f"{line.where}: '{name}' in context '{context.name}' also matches 'h', 'i', "
                "'t' and the other special extensions; '_X.' is safer"
            )


def _split_application(text: str) -> tuple[str, str]:
    """``App(args)`` -> ``("App", "args")``: args run to the last ``)``, or to the end."""
    text = text.strip()
    opening = text.find("(")
    if opening == -1:
        return text, ""
    closing = text.rfind(")")
    end = closing if closing > opening else len(text)
    return text[:opening].strip(), text[opening + 1 : end]
