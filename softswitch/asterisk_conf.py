"""Reader for Asterisk's ``.conf`` syntax (``pjsip.conf``, ``manager.conf``, ``extensions.conf``).

What it understands::

    [section]                 ; a section; ``;`` starts a comment, ``\\;`` is a literal ``;``
    key = value               ; also ``key => value``; repeated keys are all kept, in order
    [name](!)                 ; a template: only inherited from, never used on its own
    [name](tmpl1,tmpl2)       ; copy tmpl1's then tmpl2's options first, then add our own
    [name](!,tmpl)            ; a template that itself inherits
    [name](+)                 ; add more options to the section already called name
    ;-- a block comment,
        possibly over several lines --;
    #include "other.conf"     ; relative to the including file; globs allowed
    #tryinclude "maybe.conf"  ; the same, but a missing file is not an error

Inheritance may name any earlier section, template or not (the first one of that name, as
Asterisk looks it up). An included file continues the section that was open at the
``#include``. Option names are matched case-insensitively by :meth:`ConfSection.get`, as
Asterisk does; values are kept verbatim, quotes included. Every problem raises
:class:`AsteriskConfError` with ``file:line: message``.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

_MAX_INCLUDE_DEPTH = 32


class AsteriskConfError(Exception):
    """A configuration file cannot be read or does not follow the syntax; says where."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfSection:
    name: str
    is_template: bool
    items: tuple[tuple[str, str], ...]
    """``(key, value)`` pairs in order: inherited ones first, repeats kept."""
    filename: str
    line: int
    """Where the section header is."""
    locations: tuple[tuple[str, int], ...] = ()
    """``(filename, line)`` of each entry of :attr:`items`, in the same order."""
    templates: tuple[str, ...] = ()
    """The sections this one inherits from, as named in its header."""

    def get(self, key: str) -> str | None:
        """The last value of *key*, or None."""
        wanted = key.lower()
        for name, value in reversed(self.items):
            if name.lower() == wanted:
                return value
        return None

    def get_all(self, key: str) -> list[str]:
        wanted = key.lower()
        return [value for name, value in self.items if name.lower() == wanted]

    @property
    def where(self) -> str:
        """``file:line`` of the header, for messages."""
        return f"{self.filename}:{self.line}"

    def location_of(self, index: int) -> str:
        """``file:line`` of ``items[index]``, for messages."""
        filename, line = self.locations[index]
        return f"{filename}:{line}"


def parse_conf(text: str, *, filename: str = "<string>") -> list[ConfSection]:
    """Parse *text*; ``#include`` paths are relative to *filename*'s folder."""
    parser = _Parser()
    parser.feed(text, filename, depth=0)
    return parser.finish()


def read_conf(path: Path) -> list[ConfSection]:
    parser = _Parser()
    parser.feed(_read(path, where=None), str(path), depth=0)
    return parser.finish()


def _read(path: Path, *, where: str | None) -> str:
    """The file's text; *where* is the ``#include`` line that asked for it, if any."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise AsteriskConfError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        if where is None:
            raise AsteriskConfError(f"{path}: cannot read: {exc.strerror}") from None
        raise AsteriskConfError(f"{where}: cannot include {path}: {exc.strerror}") from None


@dataclass(slots=True)
class _Builder:
    name: str
    is_template: bool
    filename: str
    line: int
    templates: tuple[str, ...]
    items: list[tuple[str, str]] = field(default_factory=list)
    locations: list[tuple[str, int]] = field(default_factory=list)

    def build(self) -> ConfSection:
        return ConfSection(
            name=self.name,
            is_template=self.is_template,
            items=tuple(self.items),
            filename=self.filename,
            line=self.line,
            locations=tuple(self.locations),
            templates=self.templates,
        )


class _Parser:
    def __init__(self) -> None:
        self._sections: list[_Builder] = []
        self._current: _Builder | None = None
        self._open_files: list[Path] = []

    def finish(self) -> list[ConfSection]:
        return [builder.build() for builder in self._sections]

    def feed(self, text: str, filename: str, *, depth: int) -> None:
        comment_depth = 0
        comment_start = 0
        for number, raw in enumerate(text.splitlines(), start=1):
            opened_before = comment_depth
            line, comment_depth = _strip_comments(raw, comment_depth)
            if comment_depth and not opened_before:
                comment_start = number
            line = line.strip()
            if not line:
                continue
            where = f"{filename}:{number}"
            if line.startswith("#"):
                self._directive(line, where, filename, depth)
            elif line.startswith("["):
                self._header(line, where, filename, number)
            else:
                self._option(line, where, filename, number)
        if comment_depth:
            raise AsteriskConfError(f"{filename}:{comment_start}: block comment ';--' never closed")

    def _directive(self, line: str, where: str, filename: str, depth: int) -> None:
        parts = line[1:].split(None, 1)
        word = parts[0].lower() if parts else ""
        argument = parts[1] if len(parts) > 1 else ""
        if word not in ("include", "tryinclude"):
            raise AsteriskConfError(f"{where}: unsupported directive '#{word}'")
        target = argument.strip()
        if len(target) >= 2 and (target[0], target[-1]) in (('"', '"'), ("<", ">")):
            target = target[1:-1].strip()
        if not target:
            raise AsteriskConfError(f"{where}: #{word} needs a file name")
        if depth >= _MAX_INCLUDE_DEPTH:
            raise AsteriskConfError(f"{where}: includes nested more than {_MAX_INCLUDE_DEPTH} deep")
        base = Path(filename).parent if filename != "<string>" else Path()
        pattern = Path(target) if Path(target).is_absolute() else base / target
        if glob.has_magic(str(pattern)):
            paths = [Path(p) for p in sorted(glob.glob(str(pattern)))]
        else:
            paths = [pattern] if pattern.exists() or word == "include" else []
        for path in paths:
            resolved = path.resolve()
            if resolved in self._open_files:
                raise AsteriskConfError(f"{where}: {path} includes itself")
            self._open_files.append(resolved)
            try:
                self.feed(_read(path, where=where), str(path), depth=depth + 1)
            finally:
                self._open_files.pop()

    def _header(self, line: str, where: str, filename: str, number: int) -> None:
        name, sep, rest = line[1:].partition("]")
        name = name.strip()
        if not sep:
            raise AsteriskConfError(f"{where}: missing ']' in section header")
        if not name:
            raise AsteriskConfError(f"{where}: empty section name")
        rest = rest.strip()
        flags: list[str] = []
        if rest:
            if not (rest.startswith("(") and rest.endswith(")")):
                raise AsteriskConfError(f"{where}: unexpected {rest!r} after section header")
            flags = [flag.strip() for flag in rest[1:-1].split(",") if flag.strip()]
        if "+" in flags:
            if len(flags) > 1:
                raise AsteriskConfError(f"{where}: '(+)' cannot be combined with other flags")
            previous = self._find(name, last=True)
            if previous is None:
                raise AsteriskConfError(f"{where}: '[{name}](+)' adds to no earlier section")
            self._current = previous
            return
        templates = tuple(flag for flag in flags if flag != "!")
        builder = _Builder(
            name=name,
            is_template="!" in flags,
            filename=filename,
            line=number,
            templates=templates,
        )
        for template in templates:
            parent = self._find(template, last=False)
            if parent is None:
                raise AsteriskConfError(
                    f"{where}: section '{name}' inherits from unknown section '{template}'"
                )
            builder.items.extend(parent.items)
            builder.locations.extend(parent.locations)
        self._sections.append(builder)
        self._current = builder

    def _find(self, name: str, *, last: bool) -> _Builder | None:
        order = reversed(self._sections) if last else iter(self._sections)
        return next((builder for builder in order if builder.name == name), None)

    def _option(self, line: str, where: str, filename: str, number: int) -> None:
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key:
            raise AsteriskConfError(f"{where}: expected 'key = value', got {line!r}")
        if value.startswith(">"):
            value = value[1:]
        if self._current is None:
            raise AsteriskConfError(f"{where}: option '{key}' outside of any section")
        self._current.items.append((key, value.strip()))
        self._current.locations.append((filename, number))


def _strip_comments(line: str, depth: int) -> tuple[str, int]:
    """Remove ``;`` and ``;-- --;`` comments; *depth* carries open block comments across lines."""
    if not depth and ";" not in line:
        return line, 0
    kept: list[str] = []
    i = 0
    length = len(line)
    while i < length:
        if line.startswith(";--", i):
            depth += 1
            i += 3
        elif depth and line.startswith("--;", i):
            depth -= 1
            i += 3
        elif depth:
            i += 1
        elif line.startswith("\\;", i):
            kept.append(";")
            i += 2
        elif line[i] == ";":
            break
        else:
            kept.append(line[i])
            i += 1
    return "".join(kept), depth
