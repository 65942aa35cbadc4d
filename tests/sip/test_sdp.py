"""The SDP model, parser and writer (RFC 8866) against real-world-shaped bodies."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sip.errors import SipError
from sip.sdp import (
    STATIC_PAYLOAD_TYPES,
    Attribute,
    Bandwidth,
    Connection,
    Direction,
    Line,
    MediaDescription,
    Origin,
    RtpMap,
    SdpParseError,
    SessionDescription,
    Timing,
    parse_sdp,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "sdp"
FIXTURES = sorted(DATA.glob("*.sdp"))
# Bodies written the way the writer writes them: parsing and writing gives the same bytes.
NOT_CANONICAL = {"messy_lf.sdp"}


def load(name: str) -> SessionDescription:
    return parse_sdp((DATA / name).read_bytes())


def body(*lines: str) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode()


MINIMAL = ("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0")

# -- the fixtures -------------------------------------------------------------------------


def test_the_fixture_set_is_complete() -> None:
    assert len(FIXTURES) >= 13


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_parses_and_round_trips(path: Path) -> None:
    parsed = parse_sdp(path.read_bytes())
    assert parse_sdp(parsed.to_bytes()) == parsed
    assert bytes(parsed) == parsed.to_bytes()
    assert parsed.to_bytes().endswith(b"\r\n")
    assert b"\n" not in parsed.to_bytes().replace(b"\r\n", b"")


@pytest.mark.parametrize(
    "path", [p for p in FIXTURES if p.name not in NOT_CANONICAL], ids=lambda p: p.name
)
def test_canonical_fixtures_are_golden_bytes(path: Path) -> None:
    raw = path.read_bytes()
    assert parse_sdp(raw).to_bytes() == raw


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_a_fixture_reads_the_same_from_str_and_with_lf_line_ends(path: Path) -> None:
    raw = path.read_bytes()
    parsed = parse_sdp(raw)
    assert parse_sdp(raw.decode()) == parsed
    assert parse_sdp(raw.replace(b"\r\n", b"\n")) == parsed
    assert parse_sdp(raw.replace(b"\r\n", b"\r")) == parsed


def test_baresip_offer_fields() -> None:
    sdp = load("baresip.sdp")
    assert sdp.origin == Origin(
        session_id=1437285920, session_version=2018479474, address="192.168.1.23"
    )
    assert sdp.session_name == "-"
    assert sdp.connection == Connection(address="192.168.1.23")
    assert sdp.timing == (Timing(start=0, stop=0),)
    assert sdp.attributes == (Attribute(name="tool", value="baresip 3.10.1"),)
    (audio,) = sdp.media
    assert (audio.media, audio.port, audio.port_count, audio.protocol) == (
        "audio",
        10344,
        1,
        "RTP/AVP",
    )
    assert audio.formats == ("96", "9", "0", "8", "101")
    assert audio.payload_types == (96, 9, 0, 8, 101)
    assert audio.bandwidths == (Bandwidth(type="TIAS", value=64000),)
    assert [str(m) for m in audio.rtpmaps().values()] == [
        "96 opus/48000/2",
        "9 G722/8000",
        "0 PCMU/8000",
        "8 PCMA/8000",
        "101 telephone-event/8000",
    ]
    assert audio.fmtp(96) == "stereo=1;sprop-stereo=1"
    assert audio.fmtp(101) == "0-15"
    assert audio.fmtp(0) is None
    assert audio.ptime == 20
    assert audio.direction(sdp) is Direction.SENDRECV
    assert audio.rtcp is None
    assert not audio.rtcp_mux
    assert audio.effective_connection(sdp) == sdp.connection


def test_linphone_ice_attributes_are_kept_and_rtcp_port_read() -> None:
    sdp = load("linphone_ice.sdp")
    assert sdp.attribute("ICE-UFRAG") == Attribute(name="ice-ufrag", value="4d9a")
    (audio,) = sdp.media
    candidates = [a.value for a in audio.attributes if a.name == "candidate"]
    assert len(candidates) == 4
    assert audio.rtcp == (41235, None)
    assert audio.rtcp_mux is False
    rtpmaps = audio.rtpmaps()
    assert rtpmaps[18] == STATIC_PAYLOAD_TYPES[18]  # fmtp only, no rtpmap: the static meaning
    assert audio.fmtp(18) == "annexb=yes"
    assert [pt for pt, m in rtpmaps.items() if m.encoding == "telephone-event"] == [101, 99, 100]
    assert rtpmaps[97] == RtpMap(payload_type=97, encoding="speex", clock_rate=16000)


def test_webrtc_offer_with_crypto_mux_and_rtcp_address() -> None:
    sdp = load("webrtc_sdes.sdp")
    assert sdp.connection is None
    (audio,) = sdp.media
    assert audio.protocol == "RTP/SAVPF"
    assert audio.effective_connection(sdp) == Connection(address="198.51.100.77")
    assert audio.rtcp == (50120, "198.51.100.77")
    assert audio.rtcp_mux
    crypto = [a.value or "" for a in audio.attributes if a.name == "crypto"]
    assert [value.split()[:2] for value in crypto] == [
        ["1", "AES_CM_128_HMAC_SHA1_80"],
        ["2", "AES_CM_128_HMAC_SHA1_32"],
    ]
    assert sdp.attribute("msid-semantic") == Attribute(name="msid-semantic", value=" WMS 1f6b2a3c")
    assert audio.rtpmaps()[111].channels == 2


def test_yealink_g722_keeps_the_8000_clock_and_fmtp_before_rtpmap_is_fine() -> None:
    sdp = load("yealink.sdp")
    rtpmaps = sdp.media[0].rtpmaps()
    assert rtpmaps[9] == RtpMap(payload_type=9, encoding="G722", clock_rate=8000)
    assert rtpmaps[101].encoding == "telephone-event"
    assert sdp.media[0].fmtp(101) == "0-15"


def test_static_payload_types_without_rtpmap_use_rfc_3551() -> None:
    sdp = load("late_offer_200.sdp")
    rtpmaps = sdp.media[0].rtpmaps()
    assert [(pt, m.encoding, m.clock_rate) for pt, m in rtpmaps.items()] == [
        (8, "PCMA", 8000),
        (0, "PCMU", 8000),
        (18, "G729", 8000),
        (100, "telephone-event", 8000),
        (13, "CN", 8000),
    ]
    assert sdp.media[0].ptime == 30


@pytest.mark.parametrize(
    ("payload_type", "encoding", "clock_rate"),
    [
        (0, "PCMU", 8000),
        (3, "GSM", 8000),
        (8, "PCMA", 8000),
        (9, "G722", 8000),
        (13, "CN", 8000),
        (18, "G729", 8000),
        (10, "L16", 44100),
        (34, "H263", 90000),
    ],
)
def test_static_table(payload_type: int, encoding: str, clock_rate: int) -> None:
    rtpmap = STATIC_PAYLOAD_TYPES[payload_type]
    assert (rtpmap.encoding, rtpmap.clock_rate) == (encoding, clock_rate)


def test_dynamic_payload_type_without_rtpmap_has_no_meaning() -> None:
    sdp = parse_sdp(body(*MINIMAL, "m=audio 4000 RTP/AVP 0 96", "a=rtpmap:96 bogus"))
    assert list(sdp.media[0].rtpmaps()) == [0]


def test_rtpmap_for_an_unlisted_payload_type_is_ignored_and_rtpmap_overrides_static() -> None:
    sdp = parse_sdp(
        body(*MINIMAL, "m=audio 4000 RTP/AVP 0", "a=rtpmap:0 pcmu/8000/1", "a=rtpmap:98 x/8000")
    )
    assert sdp.media[0].rtpmaps() == {0: RtpMap(payload_type=0, encoding="pcmu", clock_rate=8000)}


def test_three_streams_keep_their_own_attributes_and_bandwidth() -> None:
    sdp = load("three_streams.sdp")
    assert [(m.media, m.port, m.protocol) for m in sdp.media] == [
        ("audio", 49170, "RTP/AVP"),
        ("video", 49172, "RTP/AVP"),
        ("application", 49174, "UDP/BFCP"),
    ]
    assert sdp.bandwidths == (Bandwidth(type="AS", value=2048),)
    assert sdp.media[1].bandwidths == (Bandwidth(type="AS", value=1920),)
    assert sdp.media[2].formats == ("*",)
    assert sdp.media[2].payload_types == ()
    assert sdp.media[2].rtpmaps() == {}
    assert sdp.media[2].attribute("floorid") == Attribute(name="floorid", value="1 mstrm:12")


def test_messy_body_is_read_tolerantly() -> None:
    sdp = load("messy_lf.sdp")
    assert sdp.session_name == "call"
    assert sdp.origin.address == "10.1.1.5"
    assert sdp.connection == Connection(address="10.1.1.5")
    (audio,) = sdp.media
    assert audio.formats == ("0", "8", "101")
    assert audio.extra_lines == (Line(type="y", value="vendor-extension 1"),)
    assert audio.connection == Connection(address="10.1.1.6")  # after a=, still media-level
    assert audio.effective_connection(sdp) == Connection(address="10.1.1.6")
    assert audio.attribute("x-nat") == Attribute(name="X-nat", value="0")
    assert audio.ptime == 20


# -- directions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hold_sendonly.sdp", Direction.SENDONLY),
        ("hold_inactive.sdp", Direction.INACTIVE),
        ("hold_session_level.sdp", Direction.SENDONLY),
        ("hold_zero_address.sdp", Direction.SENDRECV),  # the address, not the attribute, holds
        ("zoiper.sdp", Direction.SENDRECV),
    ],
)
def test_direction_of_the_fixtures(name: str, expected: Direction) -> None:
    sdp = load(name)
    assert sdp.media[0].direction(sdp) is expected


def test_media_direction_overrides_the_session_and_default_is_sendrecv() -> None:
    sdp = parse_sdp(
        body(*MINIMAL, "a=recvonly", "m=audio 1 RTP/AVP 0", "a=inactive", "m=audio 2 RTP/AVP 0")
    )
    first, second = sdp.media
    assert first.direction(sdp) is Direction.INACTIVE
    assert second.direction(sdp) is Direction.RECVONLY
    assert second.direction() is Direction.SENDRECV


@pytest.mark.parametrize(
    ("direction", "sends", "receives", "reverse"),
    [
        (Direction.SENDRECV, True, True, Direction.SENDRECV),
        (Direction.SENDONLY, True, False, Direction.RECVONLY),
        (Direction.RECVONLY, False, True, Direction.SENDONLY),
        (Direction.INACTIVE, False, False, Direction.INACTIVE),
    ],
)
def test_direction_flags(
    direction: Direction, sends: bool, receives: bool, reverse: Direction
) -> None:
    assert (direction.sends, direction.receives) == (sends, receives)
    assert direction.reverse() is reverse
    assert Direction.from_flags(send=sends, receive=receives) is direction
    assert direction.intersect(Direction.SENDRECV) is direction
    assert direction.intersect(Direction.INACTIVE) is Direction.INACTIVE


# -- attribute helpers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "ptime"),
    [
        ("a=ptime:20", 20),
        ("a=ptime:30.0", 30),
        ("a=ptime:x", None),
        ("a=ptime:0", None),
        ("a=ptime", None),
        ("a=maxptime:40", None),
    ],
)
def test_ptime(line: str, ptime: int | None) -> None:
    sdp = parse_sdp(body(*MINIMAL, "m=audio 4000 RTP/AVP 0", line))
    assert sdp.media[0].ptime == ptime


def test_maxptime() -> None:
    sdp = load("trunk_g729.sdp")
    assert (sdp.media[0].ptime, sdp.media[0].maxptime) == (20, 40)


@pytest.mark.parametrize(
    ("line", "rtcp"),
    [
        ("a=rtcp:53020", (53020, None)),
        ("a=rtcp:53020 IN IP4 126.16.64.4", (53020, "126.16.64.4")),
        ("a=rtcp:53020 IN IP6 2001:db8::1", (53020, "2001:db8::1")),
        ("a=rtcp:70000", None),
        ("a=rtcp:", None),
        ("a=rtcp", None),
    ],
)
def test_rtcp_attribute(line: str, rtcp: tuple[int, str | None] | None) -> None:
    sdp = parse_sdp(body(*MINIMAL, "m=audio 4000 RTP/AVP 0", line))
    assert sdp.media[0].rtcp == rtcp


def test_fmtp_edge_cases() -> None:
    sdp = parse_sdp(
        body(*MINIMAL, "m=audio 4000 RTP/AVP 101 102", "a=fmtp:101", "a=fmtp:", "a=fmtp:102\t0-15")
    )
    assert sdp.media[0].fmtp(101) == ""
    assert sdp.media[0].fmtp(102) == "0-15"
    assert sdp.media[0].fmtp(103) is None


def test_attribute_without_value_and_with_empty_value_differ() -> None:
    sdp = parse_sdp(body(*MINIMAL, "a=flag", "a=empty:", "a=spaced : x"))
    assert sdp.attributes == (
        Attribute(name="flag"),
        Attribute(name="empty", value=""),
        Attribute(name="spaced", value=" x"),
    )
    assert parse_sdp(sdp.to_bytes()) == sdp


# -- connections, origin, timing ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "connection"),
    [
        ("IN IP4 224.2.36.42/127", Connection(address="224.2.36.42", ttl=127)),
        ("IN IP4 224.2.1.1/127/3", Connection(address="224.2.1.1", ttl=127, count=3)),
        ("IN IP6 ff15::101/3", Connection(addr_type="IP6", address="ff15::101", count=3)),
        ("IN IP6 2001:db8::25", Connection(addr_type="IP6", address="2001:db8::25")),
        ("IN IP4 pbx.example.com", Connection(address="pbx.example.com")),
    ],
)
def test_connection_forms(value: str, connection: Connection) -> None:
    sdp = parse_sdp(body(*MINIMAL[:3], f"c={value}", "t=0 0"))
    assert sdp.connection == connection
    assert str(connection) == value


def test_connection_for_address_picks_the_family() -> None:
    assert Connection.for_address("192.0.2.1") == Connection(address="192.0.2.1")
    assert Connection.for_address("2001:db8::1").addr_type == "IP6"


def test_missing_s_and_t_lines_are_supplied() -> None:
    sdp = parse_sdp(body("v=0", "o=- 1 1 IN IP4 192.0.2.1", "m=audio 4000 RTP/AVP 0"))
    assert sdp.session_name == "-"
    assert sdp.timing == (Timing(),)


def test_empty_session_name_is_written_as_a_space_and_read_back_empty() -> None:
    sdp = parse_sdp(body("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=", "t=0 0"))
    assert sdp.session_name == ""
    assert b"s= \r\n" in sdp.to_bytes()
    assert parse_sdp(sdp.to_bytes()) == sdp


def test_every_session_field_round_trips() -> None:
    raw = body(
        "v=0",
        "o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5",
        "s=SDP Seminar",
        "i=A Seminar on the session description protocol",
        "u=http://www.example.com/seminars/sdp.pdf",
        "e=j.doe@example.com (Jane Doe)",
        "p=+1 617 555-6011",
        "c=IN IP4 224.2.17.12/127",
        "b=CT:128",
        "t=2873397496 2873404696",
        "r=604800 3600 0 90000",
        "t=0 0",
        "z=2882844526 -1h 2898848070 0",
        "k=prompt",
        "a=recvonly",
        "m=audio 49170/2 RTP/AVP 0",
        "i=main audio",
        "c=IN IP4 224.2.17.13/127",
        "b=AS:64",
        "k=prompt",
        "a=rtpmap:0 PCMU/8000",
    )
    sdp = parse_sdp(raw)
    assert sdp.to_bytes() == raw
    assert sdp.timing[0].repeats == ("604800 3600 0 90000",)
    assert sdp.media[0].port_count == 2
    assert (sdp.media[0].title, sdp.media[0].encryption_key) == ("main audio", "prompt")


def test_repeated_single_lines_are_kept_as_extra_lines() -> None:
    sdp = parse_sdp(
        body(*MINIMAL, "s=second", "o=- 2 2 IN IP4 192.0.2.9", "c=IN IP4 192.0.2.9", "v=0")
    )
    assert sdp.session_name == "-"
    assert sdp.origin.session_id == 1
    assert [line.type for line in sdp.extra_lines] == ["s", "o", "c", "v"]
    assert parse_sdp(sdp.to_bytes()) == sdp


def test_latin1_session_name_is_tolerated() -> None:
    raw = body("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=Caf\xe9", "t=0 0").replace(
        "Café".encode(), b"Caf\xe9"
    )
    assert parse_sdp(raw).session_name == "Café"
    assert parse_sdp(raw.replace(b"Caf\xe9", "Café".encode())).session_name == "Café"


def test_byte_order_mark_and_blank_lines_are_ignored() -> None:
    raw = b"\xef\xbb\xbf\r\n" + body(*MINIMAL) + b"\r\n\r\n"
    assert parse_sdp(raw).origin.session_id == 1


def test_big_session_ids_are_kept() -> None:
    sdp = parse_sdp(body("v=0", "o=- 18446744073709551616 1 IN IP4 192.0.2.1", "s=-", "t=0 0"))
    assert sdp.origin.session_id == 2**64


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty SDP body"),
        (b"\r\n \r\n", "empty SDP body"),
        (body("o=- 1 1 IN IP4 192.0.2.1", "v=0"), "SDP does not start with a v= line"),
        (body("v=1", "o=- 1 1 IN IP4 192.0.2.1"), "unsupported SDP version: '1'"),
        (body("v=0", "s=-", "t=0 0"), "SDP has no o= line"),
        (body("v=0", "o=- 1 1 IN IP4"), "o= line needs 6 fields: '- 1 1 IN IP4'"),
        (body("v=0", "o=- x 1 IN IP4 h"), "o= session id is not a number: 'x'"),
        (body("v=0", "o=- 1 -2 IN IP4 h"), "o= session version is not a number: '-2'"),
        # int() would take an Arabic-Indic digit; SDP numbers are ASCII digits only.
        (body("v=0", "o=- \u0661 1 IN IP4 h"), "o= session id is not a number: '\u0661'"),
        (
            body("v=0", f"o=- {'9' * 41} 1 IN IP4 h"),
            f"o= session id is not a number: '{'9' * 41}'",
        ),
        (body("v=0", "o=- 1 1 IN IP4 h", "garbage"), "malformed SDP line: 'garbage'"),
        (body("v=0", "o=- 1 1 IN IP4 h", "1=x"), "malformed SDP line: '1=x'"),
        (body("v=0", "o=- 1 1 IN IP4 h", "ab=x"), "malformed SDP line: 'ab=x'"),
        (b"v=0\r\no=- 1 1 IN IP4 h\x00\r\n", "SDP contains a NUL character"),
        ("v=0\r\no=- 1 1 IN IP4 h\ud800\r\n", "SDP text contains a lone surrogate"),
        (body(*MINIMAL[:3], "c=IN IP4"), "c= line needs 3 fields: 'IN IP4'"),
        (body(*MINIMAL[:3], "c=IN IP4 h/x"), "c= address has a bad TTL or count: 'h/x'"),
        (body(*MINIMAL[:3], "c=IN IP4 h/300"), "c= address has a bad TTL or count: 'h/300'"),
        (body(*MINIMAL[:3], "c=IN IP4 h/1/2/3"), "c= address has a bad TTL or count: 'h/1/2/3'"),
        (body(*MINIMAL[:3], "c=IN IP6 h/1/2"), "c= address has a bad TTL or count: 'h/1/2'"),
        (body(*MINIMAL[:3], "c=IN IP4 h/1/0"), "c= address has a bad TTL or count: 'h/1/0'"),
        (body(*MINIMAL[:3], "c=IN IP4 /1"), "c= address has a bad TTL or count: '/1'"),
        (body(*MINIMAL, "b=AS"), "b= line is not <type>:<number>: 'AS'"),
        (body(*MINIMAL, "b=AS:fast"), "b= line is not <type>:<number>: 'AS:fast'"),
        (body(*MINIMAL, "t=now"), "t= line needs a start and a stop time: 'now'"),
        (body(*MINIMAL[:4], "r=1 2 3"), "r= line comes before any t= line"),
        (body(*MINIMAL, "a="), "a= line has no attribute name: ''"),
        (body(*MINIMAL, "a=:x"), "a= line has no attribute name: ':x'"),
        (
            body(*MINIMAL, "m=audio 4000"),
            "m= line needs a media type, port and protocol: 'audio 4000'",
        ),
        (body(*MINIMAL, "m=audio x RTP/AVP 0"), "m= port is not a number from 0 to 65535: 'x'"),
        (
            body(*MINIMAL, "m=audio 65536 RTP/AVP 0"),
            "m= port is not a number from 0 to 65535: '65536'",
        ),
        (
            body(*MINIMAL, "m=audio -1 RTP/AVP 0"),
            "m= port is not a number from 0 to 65535: '-1'",
        ),
        (body(*MINIMAL, "m=audio 4000/0 RTP/AVP 0"), "m= port count is not a positive number: '0'"),
        (body(*MINIMAL, "m=audio 4000/ RTP/AVP 0"), "m= port count is not a positive number: ''"),
        (
            body(*MINIMAL, "m=audio 4000 RTP/AVP 0 PCMU"),
            "m= payload type is not a number from 0 to 127: 'PCMU'",
        ),
        (
            body(*MINIMAL, "m=audio 4000 UDP/TLS/RTP/SAVPF 128"),
            "m= payload type is not a number from 0 to 127: '128'",
        ),
        (body(*MINIMAL, "m=audio 4000 RTP/AVP 0", "b=x"), "b= line is not <type>:<number>: 'x'"),
        (
            body(*MINIMAL, "m=audio 4000 RTP/AVP 0", "c=IN"),
            "c= line needs 3 fields: 'IN'",
        ),
    ],
)
def test_parse_errors_have_exact_messages(raw: bytes | str, message: str) -> None:
    with pytest.raises(SdpParseError) as caught:
        parse_sdp(raw)
    assert str(caught.value) == message
    assert caught.value.message == message


def test_a_repeated_c_line_is_kept_unparsed() -> None:
    assert parse_sdp(body(*MINIMAL, "c=IN IP4")).extra_lines == (Line(type="c", value="IN IP4"),)


def test_parse_error_is_a_value_error_and_a_sip_error_with_status_400() -> None:
    with pytest.raises(ValueError, match="empty SDP body") as caught:
        parse_sdp("")
    assert isinstance(caught.value, SipError)
    assert caught.value.status_code == 400


def test_non_rtp_formats_are_free_tokens() -> None:
    sdp = parse_sdp(body(*MINIMAL, "m=image 5000 udptl t38", "m=application 9 TCP/MSRP *"))
    assert [m.formats for m in sdp.media] == [("t38",), ("*",)]


def test_rtp_stream_without_formats_is_tolerated() -> None:
    sdp = parse_sdp(body(*MINIMAL, "m=video 0 RTP/AVP"))
    assert sdp.media[0].formats == ()
    assert b"m=video 0 RTP/AVP\r\n" in sdp.to_bytes()


# -- constructors -------------------------------------------------------------------------


def origin() -> Origin:
    return Origin(session_id=1, session_version=1, address="192.0.2.1")


@pytest.mark.parametrize(
    "build",
    [
        lambda: Attribute(name="x", value="a\r\nm=video 1 RTP/AVP 0"),
        lambda: Attribute(name="x", value="trailing "),
        lambda: Attribute(name="x", value="\ud800"),
        lambda: Attribute(name="a:b"),
        lambda: Attribute(name=""),
        lambda: Attribute(name=" padded"),
        lambda: SessionDescription(origin=origin(), session_name="x\nv=0"),
        lambda: SessionDescription(origin=origin(), version=1),
        lambda: SessionDescription(origin=origin(), timing=()),
        lambda: SessionDescription(origin=origin(), extra_lines=(Line(type="a", value="x"),)),
        lambda: SessionDescription(origin=origin(), extra_lines=(Line(type="i", value="x"),)),
        lambda: MediaDescription(media="audio", port=70000),
        lambda: MediaDescription(media="audio", port=1, port_count=0),
        lambda: MediaDescription(media="audio", port=1, formats=("PCMU",)),
        lambda: MediaDescription(media="audio", port=1, formats=("0 8",)),
        lambda: MediaDescription(media="audio video", port=1),
        lambda: MediaDescription(media="audio", port=1, extra_lines=(Line(type="b", value="x"),)),
        lambda: Origin(session_id=-1, session_version=1, address="h"),
        lambda: Origin(session_id=1, session_version=1, address="two words"),
        lambda: Connection(address="h", count=2),
        lambda: Connection(addr_type="IP6", address="::1", ttl=1),
        lambda: Connection(address="h", ttl=256),
        lambda: Connection(address="h/1"),
        lambda: Bandwidth(type="AS:1", value=1),
        lambda: Bandwidth(type="AS", value=-1),
        lambda: Bandwidth(type="AS", value=10**12),
        lambda: Origin(session_id=10**40, session_version=1, address="h"),
        lambda: Timing(stop=10**20),
        lambda: Timing(start=-1),
        lambda: Line(type="xy", value="1"),
        lambda: Line(type="1", value="1"),
    ],
)
def test_constructors_refuse_what_cannot_be_written(build: object) -> None:
    assert callable(build)
    with pytest.raises(ValueError):
        build()


def test_a_repeated_single_field_may_be_an_extra_line_once_the_field_is_set() -> None:
    sdp = SessionDescription(
        origin=origin(), information="x", extra_lines=(Line(type="i", value="y"),)
    )
    assert parse_sdp(sdp.to_bytes()) == sdp


def test_built_description_is_written_in_rfc_order() -> None:
    sdp = SessionDescription(
        origin=origin(),
        connection=Connection(address="192.0.2.1"),
        attributes=(Attribute(name="tool", value="test"),),
        media=(
            MediaDescription(
                media="audio",
                port=4000,
                formats=("0",),
                attributes=(Attribute(name="sendrecv"),),
            ),
        ),
    )
    assert sdp.to_bytes() == body(
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
        "a=tool:test",
        "m=audio 4000 RTP/AVP 0",
        "a=sendrecv",
    )


# -- properties ---------------------------------------------------------------------------

_WORD = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=8)
_SAFE_WORD = _WORD.filter(lambda w: "/" not in w and ":" not in w)
_CHARS = st.characters(codec="utf-8", exclude_characters="\r\n\x00")
_TEXT = st.text(_CHARS, max_size=12).map(str.strip)
_ATTRIBUTE = st.builds(
    Attribute,
    name=_SAFE_WORD,
    # Leading spaces survive in a value ("a=msid-semantic: WMS"), trailing ones cannot.
    value=st.none() | st.text(_CHARS, max_size=10).map(str.rstrip),
)
_CONNECTION = st.builds(Connection, address=_SAFE_WORD, ttl=st.none() | st.integers(0, 255))
_EXTRA = st.builds(Line, type=st.sampled_from("fghjlnqwxyXYZ"), value=_TEXT)
# Inside a media section the session-only types are kept as they come, too.
_MEDIA_EXTRA = st.builds(Line, type=st.sampled_from("fgxyZvostrzuep"), value=_TEXT)
_PORTS = st.integers(0, 65535)


@st.composite
def _media(draw: st.DrawFn) -> MediaDescription:
    rtp = draw(st.booleans())
    formats = (
        draw(st.lists(st.integers(0, 127).map(str), max_size=4))
        if rtp
        else draw(st.lists(_WORD, max_size=3))
    )
    return MediaDescription(
        media=draw(_SAFE_WORD),
        port=draw(_PORTS),
        port_count=draw(st.integers(1, 4)),
        protocol="RTP/AVP" if rtp else draw(_WORD.filter(lambda w: "RTP/" not in w.upper())),
        formats=tuple(formats),
        title=draw(st.none() | _TEXT),
        connection=draw(st.none() | _CONNECTION),
        bandwidths=tuple(
            draw(
                st.lists(
                    st.builds(Bandwidth, type=_SAFE_WORD, value=st.integers(0, 10**12 - 1)),
                    max_size=2,
                )
            )
        ),
        attributes=tuple(draw(st.lists(_ATTRIBUTE, max_size=4))),
        extra_lines=tuple(draw(st.lists(_MEDIA_EXTRA, max_size=2))),
    )


_SESSIONS = st.builds(
    SessionDescription,
    origin=st.builds(
        Origin,
        username=_WORD,
        session_id=st.integers(0, 10**40 - 1),
        session_version=st.integers(0, 10**40 - 1),
        address=_WORD,
    ),
    session_name=_TEXT,
    information=st.none() | _TEXT,
    emails=st.lists(_TEXT, max_size=2).map(tuple),
    connection=st.none() | _CONNECTION,
    timing=st.lists(
        st.builds(
            Timing,
            start=st.integers(0, 10**20 - 1),
            stop=st.integers(0, 10**20 - 1),
            repeats=st.lists(_TEXT, max_size=2).map(tuple),
        ),
        min_size=1,
        max_size=2,
    ).map(tuple),
    attributes=st.lists(_ATTRIBUTE, max_size=4).map(tuple),
    media=st.lists(_media(), max_size=3).map(tuple),
    extra_lines=st.lists(_EXTRA, max_size=2).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(_SESSIONS)
def test_any_buildable_description_round_trips(sdp: SessionDescription) -> None:
    assert parse_sdp(sdp.to_bytes()) == sdp


def _parse_or_refuse(raw: bytes | str) -> None:
    with contextlib.suppress(SdpParseError):
        parse_sdp(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_nothing_but_sdp_parse_error(raw: bytes) -> None:
    _parse_or_refuse(raw)
    _parse_or_refuse(b"v=0\r\n" + raw)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_text_raises_nothing_but_sdp_parse_error(text: str) -> None:
    _parse_or_refuse(text)
    _parse_or_refuse("v=0\no=- 1 1 IN IP4 h\n" + text)


_FIXTURE_LINES = [
    line for path in FIXTURES for line in path.read_bytes().decode().splitlines() if line
]
_SDP_LINE = st.one_of(
    st.sampled_from(_FIXTURE_LINES),
    st.builds(
        lambda kind, text: f"{kind}={text}",
        st.sampled_from("vosicbtrzkam"),
        st.text(st.sampled_from(" /:0123456789abcIPN.-\t"), max_size=20),
    ),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SDP_LINE, max_size=25), st.sampled_from(["\r\n", "\n", "\r"]))
def test_fixture_shaped_noise_raises_nothing_but_sdp_parse_error(
    lines: list[str], end: str
) -> None:
    text = end.join(["v=0", "o=- 1 1 IN IP4 h", *lines])
    try:
        sdp = parse_sdp(text)
    except SdpParseError:
        return
    assert parse_sdp(sdp.to_bytes()) == sdp


def test_replace_keeps_validation() -> None:
    media = MediaDescription(media="audio", port=4000, formats=("0",))
    with pytest.raises(ValueError):
        dataclasses.replace(media, port=-1)
