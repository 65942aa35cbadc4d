"""The three bodies of a Manager API reply over HTTP, made from its TCP bytes.

``/rawman`` sends the bytes as they are. ``/mxml`` and ``/manager`` read them back as text:
each blank-line-separated block is one response or event, each ``Name: value`` line one
field, and a line without a colon starts that block's ``Opaque-data``, which runs to the end
of the block. Working from the bytes keeps every format a view of the same reply.

``/mxml`` (Asterisk's AJAX form)::

    <ajax-response>
    <response type='object' id='unknown'><generic response='Success' ping='Pong' /></response>
    </ajax-response>

Field names are lower-cased with every other character than a letter or digit turned into
``_`` (and ``_`` before a leading digit); a repeated name gets ``-2``, ``-3``, …; values are
XML-escaped. ``ajaxdest`` and ``ajaxobjtype`` parameters replace ``unknown`` and
``generic``. ``/manager`` is an HTML page: a small form to try actions, then one table row
per field and a rule between blocks.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_OPAQUE = "Opaque-data"
_ESCAPES = str.maketrans({"<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;",
                          "&": "&amp;"})
_RULE = '<tr><td colspan="2"><hr></td></tr>\r\n'
_FORM = """\
<title>Manager Interface</title>
<body><table align="center" width="500">
<tr><td colspan="2"><h1>Manager Tester</h1></td></tr>
<tr><td colspan="2"><form action="manager" method="post">
Action: <select name="action">
<option value="">--&gt;</option>
<option value="login">Login</option>
<option value="command">Command</option>
<option value="waitevent">WaitEvent</option>
<option value="listcommands">ListCommands</option>
</select> or <input name="action"><br>
CLI command: <input name="command"><br>
User: <input name="username"> Secret: <input type="password" name="secret"><br>
<input type="submit">
</form></td></tr>
"""


class Format(enum.Enum):
    RAW = "rawman"
    HTML = "manager"
    XML = "mxml"

    @property
    def content_type(self) -> str:
        return {Format.RAW: "text/plain", Format.HTML: "text/html",
                Format.XML: "text/xml"}[self]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str


def blocks(data: bytes) -> list[list[Field]]:
    """The blocks of a reply, each a list of fields; opaque lines join one ``Opaque-data``."""
    result: list[list[Field]] = []
    current: list[Field] = []
    opaque: list[str] | None = None
    for raw in data.decode("utf-8", errors="replace").split("\n"):
        line = raw.rstrip()
        if not line:
            if opaque is not None:
                current.append(Field(_OPAQUE, "\n".join(opaque)))
                opaque = None
            if current:
                result.append(current)
                current = []
            continue
        if opaque is not None:
            opaque.append(line)
            continue
        name, colon, value = line.partition(":")
        if colon:
            current.append(Field(name.strip(), value.lstrip()))
        else:
            opaque = [line]
    if opaque is not None:
        current.append(Field(_OPAQUE, "\n".join(opaque)))
    if current:
        result.append(current)
    return result


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def xml_name(name: str) -> str:
    """A field name as an XML attribute name: ``Cause-txt`` → ``cause_txt``, ``1x`` → ``_1x``."""
    cleaned = "".join(char.lower() if char.isascii() and char.isalnum() else "_"
                      for char in name)
    return f"_{cleaned}" if not cleaned or cleaned[0].isdigit() else cleaned


def _numbered(names: Iterator[str]) -> Iterator[str]:
    """Each name, with ``-N`` on its N-th repeat within the block."""
    seen: dict[str, int] = {}
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        yield name if count == 1 else f"{name}-{count}"


def to_xml(data: bytes, *, dest: str = "unknown", objtype: str = "generic") -> str:
    out = ["<ajax-response>\n"]
    for block in blocks(data):
        names = _numbered(xml_name(field.name) for field in block)
        attributes = "".join(f" {name}='{escape(field.value)}'"
                             for name, field in zip(names, block, strict=True))
        out.append(f"<response type='object' id='{escape(dest)}'>"
                   f"<{xml_name(objtype)}{attributes} /></response>\n")
    out.append("</ajax-response>\n")
    return "".join(out)


def to_html(data: bytes) -> str:
    out = [_FORM]
    for block in blocks(data):
        names = _numbered(field.name for field in block)
        for name, field in zip(names, block, strict=True):
            value = escape(field.value).replace("\n", "<br>\n")
            out.append(f"<tr><td>{escape(name)}</td><td>{value}</td></tr>\n")
        out.append(_RULE)
    out.append("</table></body>\r\n")
    return "".join(out)


def render(fmt: Format, data: bytes, params: Iterable[tuple[str, str]] = ()) -> bytes:
    """The HTTP body of reply *data* in *fmt*; *params* (the request's, in order) may hold
    ``ajaxdest`` and ``ajaxobjtype``."""
    match fmt:
        case Format.RAW:
            return data
        case Format.XML:
            options = {key.lower(): value for key, value in params}
            return to_xml(data, dest=options.get("ajaxdest") or "unknown",
                          objtype=options.get("ajaxobjtype") or "generic").encode("utf-8")
        case Format.HTML:
            return to_html(data).encode("utf-8")
