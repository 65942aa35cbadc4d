"""Property tests: the parser and framer survive any input and agree with the writers.

Each property also runs ``make_error_response`` on whatever error comes out,
since the receive path calls it on every failure.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sip.errors import ParseError
from sip.framing import KEEPALIVE_PING, StreamFramer
from sip.headers import Headers
from sip.message import Limits, Message, Request, Response, make_error_response, parse_message
from sip.uri import NameAddr, SipUri

TORTURE = Path(__file__).resolve().parent.parent / "data" / "torture"
CORPUS = sorted(path.read_bytes() for path in TORTURE.glob("*.sip"))
VALID_CORPUS = sorted(path.read_bytes() for path in TORTURE.glob("*.valid.sip"))

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DEFAULT_LIMITS = Limits()
SLOW = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_reject(
    data: bytes, *, stream: bool = False, limits: Limits = DEFAULT_LIMITS
) -> Message | None:
    """Parse; on failure check the error is a ParseError that can be answered safely."""
    try:
        return parse_message(data, stream=stream, limits=limits)
    except ParseError as exc:
        assert 400 <= exc.status_code <= 599
        response = make_error_response(exc)
        if response is not None:
            assert response.status == exc.status_code
            assert response.vias
            wire = response.to_bytes()
            assert wire.startswith(f"SIP/2.0 {exc.status_code} ".encode())
            # An answer to a request that lacked From/To/Call-ID cannot be complete
            # (RFC 4475 insuf); any answer that has them all must parse back.
            if all(name in response.headers for name in ("From", "To", "Call-ID", "CSeq")):
                assert isinstance(parse_message(wire), Response)
        return None


def exercise(message: Message) -> None:
    """Every typed view of a parsed message works (the parser validated eagerly)."""
    _ = (message.call_id, message.cseq, message.vias, message.top_via, message.from_, message.to)
    _ = (message.contacts, message.record_routes, message.expires, message.content_type)
    if isinstance(message, Request):
        _ = (message.routes, message.max_forwards, message.contact_is_star)
    assert parse_message(message.to_bytes()).to_bytes() == message.to_bytes()


# -- arbitrary and mutated input ---------------------------------------------------------


@FAST
@given(st.binary(max_size=2000))
@example(b"\x00" * 512)
@example(b"\xff\xfe\xfd SIP/2.0\r\n\r\n")
@example(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
@example(b"OPTIONS sip:x SIP/2.0\r\nVia: \x00\x00\x00\r\n\r\n")
def test_arbitrary_bytes_raise_only_parse_error(data: bytes) -> None:
    message = parse_or_reject(data)
    if message is not None:
        exercise(message)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[position:]
        elif kind == "insert":
            data[position:position] = draw(
                st.sampled_from(
                    [
                        b"\r\n",
                        b" ",
                        b"\t",
                        b";",
                        b",",
                        b":",
                        b'"',
                        b"<",
                        b">",
                        b"\x00",
                        b"\xff",
                        b"%",
                        b"\\",
                    ]
                )
                | st.binary(min_size=1, max_size=8)
            )
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 20))]
        else:
            end = min(len(data), position + draw(st.integers(1, 80)))
            data[position:position] = data[position:end]
    return bytes(data)


@FAST
@given(mutated())
def test_mutated_torture_messages_raise_only_parse_error(data: bytes) -> None:
    for stream in (False, True):
        message = parse_or_reject(data, stream=stream)
        if message is not None:
            exercise(message)


# -- header soups ------------------------------------------------------------------------

_NAMES = st.sampled_from(
    [
        "Via",
        "v",
        "From",
        "f",
        "To",
        "t",
        "Call-ID",
        "i",
        "CSeq",
        "Contact",
        "m",
        "Route",
        "Record-Route",
        "Max-Forwards",
        "Expires",
        "Content-Length",
        "l",
        "Content-Type",
        "Authorization",
        "WWW-Authenticate",
        "Supported",
        "Require",
        "Allow",
        "Subject",
        "X-Anything",
        "Timestamp",
    ]
)
_PIECES = st.sampled_from(
    [
        "sip:",
        "sips:",
        "tel:",
        "alice",
        "@",
        "example.com",
        "[2001:db8::1]",
        ":5060",
        ";",
        "tag=",
        "branch=z9hG4bK",
        "lr",
        "=",
        ",",
        " ",
        "\t",
        '"',
        "\\",
        "<",
        ">",
        "*",
        "?",
        "&",
        "%41",
        "SIP/2.0/UDP",
        "SIP/7.0/TCP",
        "/",
        "1",
        "0",
        "4294967296",
        "INVITE",
        "OPTIONS",
        "Digest",
        'realm="x"',
        "rport",
        "received=",
        "\u00e9",
        "\x00",
        "\udcff",
    ]
)
_VALUES = st.lists(_PIECES, max_size=12).map("".join)


@st.composite
def header_soups(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        start = (
            draw(st.sampled_from(["INVITE", "OPTIONS", "ACK", "REGISTER", "X"]))
            + " sip:bob@example.com SIP/2.0"
        )
    else:
        start = f"SIP/2.0 {draw(st.integers(100, 699))} Whatever"
    lines = [start]
    for name, value in draw(st.lists(st.tuples(_NAMES, _VALUES), max_size=15)):
        lines.append(f"{name}: {value}")
        if draw(st.integers(0, 9)) == 0:
            lines.append(" " + draw(_VALUES))
    body = draw(st.binary(max_size=30))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body


@FAST
@given(header_soups())
def test_header_soups_raise_only_parse_error(data: bytes) -> None:
    for stream in (False, True):
        message = parse_or_reject(data, stream=stream)
        if message is not None:
            exercise(message)


@FAST
@given(header_soups(), st.integers(1, 40), st.integers(1, 400), st.integers(100, 3000))
def test_header_soups_under_tight_limits(data: bytes, headers: int, line: int, size: int) -> None:
    parse_or_reject(data, limits=Limits(max_headers=headers, max_line=line, max_bytes=size))


# -- writers and parser agree -----------------------------------------------------------

_TOKEN = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,10}", fullmatch=True)
_WORD = st.from_regex(r"[A-Za-z0-9.!%*_+`'~()<>:\\\"/\[\]?{}-]{1,16}", fullmatch=True)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    method = draw(st.sampled_from(["INVITE", "ACK", "BYE", "REGISTER", "OPTIONS", "NEWMETHOD"]))
    target = SipUri(
        scheme="sip",
        user=draw(_TOKEN),
        host=draw(st.sampled_from(["example.com", "192.0.2.7", "2001:db8::9"])),
    )
    sender = NameAddr(
        display_name=draw(
            st.none()
            | st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=12)
        ),
        uri=target,
        params=(("tag", draw(_TOKEN)),),
    )
    transports = st.sampled_from(["UDP", "TCP", "TLS", "WS"])
    vias = [
        f"SIP/2.0/{draw(transports)} h{n}.example.com;branch=z9hG4bK{draw(_TOKEN)}"
        for n in range(draw(st.integers(1, 4)))
    ]
    extra = draw(
        st.lists(
            st.tuples(st.sampled_from(["Subject", "X-Note", "Supported", "User-Agent"]), _WORD),
            max_size=4,
        )
    )
    pairs = [("Via", via) for via in vias] + [
        ("From", str(sender)),
        ("To", str(NameAddr(uri=target))),
        ("Call-ID", draw(_WORD)),
        (
            "CSeq",
            f"{draw(st.integers(0, 2**31 - 1))} {'INVITE' if method == 'NEWMETHOD' else method}",
        ),
        ("Max-Forwards", str(draw(st.integers(0, 255)))),
        *extra,
    ]
    return Request(
        method=method, uri=target, headers=Headers(pairs), body=draw(st.binary(max_size=200))
    )


@SLOW
@given(requests())
def test_written_requests_parse_back_to_the_same_value(request: Request) -> None:
    wire = request.to_bytes()
    parsed = parse_message(wire)
    expected = request.with_headers(
        request.headers.with_set("Content-Length", str(len(request.body)))
    )
    assert parsed == expected
    assert parse_message(wire, stream=True) == expected
    exercise(parsed)


# -- framing ----------------------------------------------------------------------------


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[bytes], bytes, list[int]]:
    """Messages (and pings) laid end to end, plus random cut points."""
    items: list[bytes] = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 4)) == 0:
            items.append(KEEPALIVE_PING)
        items.append(draw(requests()).to_bytes())
    data = b"".join(items)
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=20)))
    return items, data, cuts


@SLOW
@given(streams())
def test_framer_returns_exactly_the_messages_whatever_the_splits(
    case: tuple[list[bytes], bytes, list[int]],
) -> None:
    items, data, cuts = case
    framer = StreamFramer()
    frames: list[bytes] = []
    previous = 0
    for cut in [*cuts, len(data)]:
        frames += framer.feed(data[previous:cut])
        previous = cut
    assert frames == items
    assert framer.pings_received == items.count(KEEPALIVE_PING)
    assert not framer.has_partial
    for frame in frames:
        if frame != KEEPALIVE_PING:
            assert isinstance(parse_message(frame, stream=True), Request)


@FAST
@given(st.lists(st.binary(max_size=300) | mutated(), max_size=5))
def test_framer_on_garbage_raises_only_parse_error(chunks: list[bytes]) -> None:
    framer = StreamFramer(Limits(max_bytes=4000))
    try:
        for chunk in chunks:
            for frame in framer.feed(chunk):
                if frame != KEEPALIVE_PING:
                    parse_or_reject(frame, stream=True)
    except ParseError:
        pass


@FAST
@given(st.sampled_from(VALID_CORPUS), st.lists(st.integers(1, 50), min_size=1, max_size=30))
def test_framer_reframes_torture_messages_that_declare_a_length(
    data: bytes, sizes: list[int]
) -> None:
    try:
        message = parse_message(data, stream=True)
    except ParseError:
        return
    wire = message.to_bytes()
    framer = StreamFramer()
    frames: list[bytes] = []
    position = 0
    for size in sizes * (len(wire) // sum(sizes) + 1):
        frames += framer.feed(wire[position : position + size])
        position += size
    assert frames == [wire]
