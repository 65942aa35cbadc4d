"""Event filters of one Manager API session, as the ``Filter`` action adds them.

Two forms, as in Asterisk:

* legacy: ``Filter: Event: Newexten`` is a regular expression searched in the whole event
  text; a leading ``!`` makes it an exclusion (``!Event: Newexten``);
* advanced: ``MatchCriteria: action(exclude),name(Hangup),header(Cause),method(exact)``
  narrows the match to one event name and/or one header's value and says how ``Filter`` is
  compared (``regex``, ``exact``, ``starts_with``, ``ends_with``, ``contains`` or ``none``).

A set of filters lets an event through when there are none; with includes only, when one of
them matches; with excludes only, unless one matches; with both, when an include matches and
no exclude does.

Exceptions::

    FilterError       the filter cannot be used; ``str()`` is the reply text
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from http_api.ami.protocol import Event

_COMPILE_ERROR = "Filter did not compile.  Check the syntax of the filter given."
_FORMAT_ERROR = "Filter was formatted incorrectly.  Check the syntax of the filter given."
_CRITERION = re.compile(r"\s*([a-z_]+)\(([^()]*)\)\s*")


class FilterError(Exception):
    """A filter the session refuses; the message is Asterisk's answer to ``Filter``."""


class Method(enum.Enum):
    REGEX = "regex"
    EXACT = "exact"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    CONTAINS = "contains"
    NONE = "none"

    @classmethod
    def parse(cls, text: str) -> Method:
        # Asterisk's documentation spells these both ``starts_with`` and ``startsWith``.
        wanted = text.strip().lower().replace("_", "")
        for method in cls:
            if method.value.replace("_", "") == wanted:
                return method
        raise FilterError(_FORMAT_ERROR)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventFilter:
    include: bool
    value: str
    method: Method = Method.REGEX
    name: str | None = None
    """Only events of this name (any case) match."""
    header: str | None = None
    """Only events with this header match, and ``value`` is compared with its first value."""
    pattern: re.Pattern[str] | None = None

    def matches(self, event: Event, text: str) -> bool:
        """Whether *event*, whose wire form is *text*, meets this filter's criteria."""
        if self.name is not None and event.name.lower() != self.name.lower():
            return False
        subject = text
        if self.header is not None:
            found = _header(event, self.header)
            if found is None:
                return False
            subject = found
        match self.method:
            case Method.REGEX:
                return self.pattern is not None and self.pattern.search(subject) is not None
            case Method.EXACT:
                return subject == self.value
            case Method.STARTS_WITH:
                return subject.startswith(self.value)
            case Method.ENDS_WITH:
                return subject.endswith(self.value)
            case Method.CONTAINS:
                return self.value in subject
            case Method.NONE:
                return True


def _header(event: Event, name: str) -> str | None:
    wanted = name.lower()
    if wanted == "event":
        return event.name
    if wanted == "privilege":
        return ",".join((*event.classes, "all"))
    for key, value in event.fields:
        if key.lower() == wanted:
            return value
    return None


def parse_filter(value: str, criteria: str | None = None) -> EventFilter:
    """The filter a ``Filter`` action (*value*, optional ``MatchCriteria``) describes."""
    if not criteria or not criteria.strip():
        include = not value.startswith("!")
        expression = value if include else value[1:]
        return EventFilter(include=include, value=expression, pattern=_compile(expression))
    options = _criteria(criteria)
    action = options.get("action", "include").strip().lower()
    if action not in ("include", "exclude"):
        raise FilterError(_FORMAT_ERROR)
    # Without a value there is nothing to compare: the filter selects by name/header alone.
    default = Method.REGEX if value else Method.NONE
    method = Method.parse(options["method"]) if "method" in options else default
    return EventFilter(
        include=action == "include", value=value, method=method,
        name=options.get("name", "").strip() or None,
        header=options.get("header", "").strip() or None,
        pattern=_compile(value) if method is Method.REGEX else None,
    )


def _criteria(text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for part in _split(text):
        found = _CRITERION.fullmatch(part)
        if found is None:
            raise FilterError(_FORMAT_ERROR)
        key, argument = found.group(1), found.group(2)
        if key not in ("action", "name", "header", "method") or key in options:
            raise FilterError(_FORMAT_ERROR)
        options[key] = argument
    return options


def _split(text: str) -> list[str]:
    """``a(x),b(y)`` into its criteria: commas inside parentheses do not separate."""
    parts: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _compile(expression: str) -> re.Pattern[str]:
    try:
        return re.compile(expression)
    except re.error:
        raise FilterError(_COMPILE_ERROR) from None


class FilterSet:
    """One session's filters, in the order they were added; bounded in number."""

    def __init__(self, limit: int = 64) -> None:
        self._limit = limit
        self._includes: list[EventFilter] = []
        self._excludes: list[EventFilter] = []

    def __bool__(self) -> bool:
        return bool(self._includes or self._excludes)

    def add(self, event_filter: EventFilter) -> None:
        if len(self._includes) + len(self._excludes) >= self._limit:
            raise FilterError(f"Too many filters (at most {self._limit} per session)")
        (self._includes if event_filter.include else self._excludes).append(event_filter)

    def allows(self, event: Event) -> bool:
        if not self:
            return True
        text = event.encode().decode("utf-8")
        if self._includes and not any(f.matches(event, text) for f in self._includes):
            return False
        return not any(f.matches(event, text) for f in self._excludes)
