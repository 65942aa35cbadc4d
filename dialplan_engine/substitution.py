"""``${...}`` and ``$[...]`` substitution, as ``pbx_substitute_variables`` does it.

The text is read left to right. ``${`` opens a reference that ends at the matching ``}``
(braces are counted); its inside is substituted first when it contains ``${`` or ``$[``, so
``${${NAME}}`` and ``${DB(family/${EXTEN})}`` work. What remains is a variable name, or a
function call when it contains ``(``, optionally followed by ``:offset[:length]`` (read with
C's ``sscanf("%d:%d")``, so ``${X::3}`` is all of X). Variables are looked up as built-in,
then channel variable, then global; unknown ones give the empty string, unknown functions
the empty string and a warning. ``$[`` opens an expression that ends at the matching ``]``
and goes to :func:`~dialplan_engine.expressions.evaluate` once its inside is substituted.
A ``$`` followed by anything else is kept as it is. Substituted values are never substituted
again. A reference without its closing brace takes the rest of the text (with a warning).
Lengths and offsets count characters, where Asterisk counts bytes.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from dialplan_engine import funcs
from dialplan_engine.args import scan_int_prefix
from dialplan_engine.expressions import evaluate
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

_INT_MAX = 2**31 - 1
_MAX_DEPTH = 40
"""Nested references deeper than this are dropped; the counter also spans functions that
substitute again (CUT, FIELDQTY), so a value that refers to itself cannot recurse forever."""
_depth: ContextVar[int] = ContextVar("substitution_depth", default=0)


def substitute(text: str, scope: FunctionContext) -> str:
    """*text* with every ``${...}`` and ``$[...]`` replaced."""
    if "$" not in text:
        return text
    depth = _depth.get()
    if depth >= _MAX_DEPTH:
        _log.warning("Substitution nested too deeply, dropping %r", text)
        return ""
    token = _depth.set(depth + 1)
    try:
        return _substitute(text, scope)
    finally:
        _depth.reset(token)


def parse_assignment(text: str) -> tuple[str, str]:
    """``Set``'s ``name=value``: split at the first ``=``, nothing stripped or unquoted.

    Raises ValueError when there is no ``=`` (``Set`` then warns and does nothing).
    """
    name, separator, value = text.partition("=")
    if not separator:
        raise ValueError(f"Set requires an '=' to be a valid assignment: {text!r}")
    if " " in name:
        _log.warning(
            "Please avoid unnecessary spaces on variables as it may lead to unexpected "
            "results (%r set to %r)",
            name,
            value,
        )
    return name, value


def _substitute(text: str, scope: FunctionContext) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        dollar = text.find("$", i)
        if dollar < 0:
            out.append(text[i:])
            break
        opener = text[dollar + 1 : dollar + 2]
        if opener not in ("{", "["):
            out.append(text[i : dollar + 1])
            i = dollar + 1
            continue
        out.append(text[i:dollar])
        inner, i, nested = _enclosed(text, dollar + 2, opener)
        if nested:
            inner = substitute(inner, scope)
        if opener == "{":
            out.append(_reference(inner, scope))
        else:
            out.append(evaluate(inner, lambda name, args: funcs.read_function(scope, name, args)))
    return "".join(out)


def _enclosed(text: str, start: int, opener: str) -> tuple[str, int, bool]:
    """The inside of the reference or expression whose body starts at *start*, the index
    after it, and whether the inside holds ``${`` or ``$[`` of its own.

    Only the opener's own bracket kind is counted, plus the nested ``${``/``$[`` openers
    themselves, as Asterisk's scanner does.
    """
    closer = "}" if opener == "{" else "]"
    depth = 1
    nested = False
    i, n = start, len(text)
    while i < n:
        char = text[i]
        if char == "$" and text[i + 1 : i + 2] in ("{", "["):
            nested = True
            if text[i + 1] == opener:
                depth += 1
            i += 2
            continue
        if char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return text[start:i], i + 1, nested
        i += 1
    _log.warning("Error in extension logic (missing '%s')", closer)
    return text[start:], n, nested


def _reference(reference: str, scope: FunctionContext) -> str:
    name, offset, length, is_function = _split_reference(reference)
    if is_function:
        value = funcs.read_function_call(scope, name)
        if value is None:
            return ""
    else:
        value = scope.builtin(name)
        if value is None:
            value = scope.get_variable(name)
        if value is None:
            return ""
    return _substring(value, offset, length)


def _split_reference(reference: str) -> tuple[str, int, int, bool]:
    """Name, offset, length, is-a-function: the ``:`` outside parentheses starts the
    substring spec."""
    parens = 0
    is_function = False
    for index, char in enumerate(reference):
        if char == "(":
            is_function = True
            parens += 1
        elif char == ")":
            parens -= 1
        elif char == ":" and parens == 0:
            offset, length = _substring_spec(reference, index + 1)
            return reference[:index], offset, length, is_function
    return reference, 0, _INT_MAX, is_function


def _substring_spec(reference: str, start: int) -> tuple[int, int]:
    """``sscanf(spec, "%30d:%30d", &offset, &length)`` with Asterisk's defaults."""
    first = scan_int_prefix(reference, start)
    if first is None:
        return 0, _INT_MAX
    offset, after = first
    if reference[after : after + 1] != ":":
        return offset, _INT_MAX
    second = scan_int_prefix(reference, after + 1)
    return offset, _INT_MAX if second is None else second[0]


def _substring(value: str, offset: int, length: int) -> str:
    size = len(value)
    if offset == 0 and length >= size:
        return value
    if offset < 0:
        offset = max(size + offset, 0)
    if offset >= size:
        return ""
    rest = value[offset:]
    if length >= 0:
        return rest[:length]
    # A negative length leaves that many characters off the end.
    return rest[:length] if len(rest) > -length else ""
