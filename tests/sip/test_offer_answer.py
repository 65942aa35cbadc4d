"""RFC 3264 offer/answer for the media-anchoring B2BUA, driven by real-world-shaped SDP."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from sip.errors import SipError
from sip.offer_answer import (
    CODECS,
    G722,
    G729,
    GSM,
    OPUS,
    PCMA,
    PCMU,
    TELEPHONE_EVENT,
    AnswerResult,
    Codec,
    NegotiatedAudio,
    OfferAnswerError,
    SessionState,
    apply_allow_disallow,
    build_answer,
    build_offer,
    codec_from_asterisk_name,
    find_codec,
    is_hold,
    parse_answer,
)
from sip.sdp import (
    Attribute,
    Connection,
    Direction,
    MediaDescription,
    RtpMap,
    SessionDescription,
    parse_sdp,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "sdp"
FIXTURES = sorted(DATA.glob("*.sdp"))
US = "203.0.113.1"
PORT = 20000


def load(name: str) -> SessionDescription:
    return parse_sdp((DATA / name).read_bytes())


def body(*lines: str) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode()


_FRESH = SessionState.new(session_id=7)


def answer(
    offer: SessionDescription | str,
    *,
    supported: tuple[Codec, ...] = (PCMU, PCMA, G722),
    session: SessionState | None = _FRESH,
    **options: Any,
) -> AnswerResult:
    sdp = load(offer) if isinstance(offer, str) else offer
    return build_answer(sdp, address=US, port=PORT, supported=supported, session=session, **options)


def accepted(result: AnswerResult) -> tuple[SessionDescription, NegotiatedAudio]:
    assert result.status == 200, result.reason
    assert result.sdp is not None
    assert result.chosen is not None
    assert result.reason is None
    return result.sdp, result.chosen


def offer_lines(*media_lines: str, session: tuple[str, ...] = ()) -> SessionDescription:
    return parse_sdp(
        body(
            "v=0",
            "o=- 1 1 IN IP4 192.0.2.10",
            "s=-",
            "c=IN IP4 192.0.2.10",
            "t=0 0",
            *session,
            *media_lines,
        )
    )


# -- codecs and allow/disallow ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("ulaw", PCMU),
        ("alaw", PCMA),
        ("g722", G722),
        ("opus", OPUS),
        ("g729", G729),
        ("gsm", GSM),
        ("ULAW", PCMU),
        (" alaw ", PCMA),
        ("h264", None),
        ("pcmu", None),  # SDP names are not allow= names
        ("telephone-event", None),
    ],
)
def test_codec_from_asterisk_name(name: str, codec: Codec | None) -> None:
    assert codec_from_asterisk_name(name) is codec


def test_codec_table() -> None:
    assert [(c.name, c.clock_rate, c.channels, c.payload_type) for c in CODECS] == [
        ("PCMU", 8000, 1, 0),
        ("PCMA", 8000, 1, 8),
        ("G722", 8000, 1, 9),
        ("opus", 48000, 2, None),
        ("G729", 8000, 1, 18),
        ("GSM", 8000, 1, 3),
        ("telephone-event", 8000, 1, None),
    ]
    assert G722.sample_rate == 16000  # the RFC 3551 clock-rate quirk, kept apart
    assert G729.fmtp == "annexb=no"


@pytest.mark.parametrize(
    ("disallow", "allow", "expected"),
    [
        (("all",), ("ulaw", "alaw"), (PCMU, PCMA)),
        (("all",), ("alaw", "ulaw"), (PCMA, PCMU)),
        (("all",), ("alaw,ulaw,g722",), (PCMA, PCMU, G722)),
        (("all",), ("alaw, ulaw",), (PCMA, PCMU)),
        ((), ("g722", "ulaw", "g722"), (G722, PCMU)),
        ((), ("all",), (PCMU, PCMA, G722, OPUS, G729, GSM)),
        (("all",), ("all", "!g729", "!gsm"), (PCMU, PCMA, G722, OPUS)),
        ((), ("opus", "all"), (OPUS, PCMU, PCMA, G722, G729, GSM)),
        ((), ("ulaw", "h264", "alaw"), (PCMU, PCMA)),  # unknown names are skipped
        ((), ("ulaw:30", "alaw:20"), (PCMU, PCMA)),  # framing suffixes are dropped
        (("!ulaw",), ("alaw",), (PCMU, PCMA)),  # an inverted disallow allows
        (("all",), (), ()),
        ((), (), ()),
        (("ulaw",), ("ulaw",), (PCMU,)),  # disallow applies first, allow re-adds
        ((), ("ulaw", "!ulaw"), ()),
        ((), ("", " , ", "!"), ()),
    ],
)
def test_apply_allow_disallow(
    disallow: tuple[str, ...], allow: tuple[str, ...], expected: tuple[Codec, ...]
) -> None:
    assert apply_allow_disallow(disallow, allow) == expected


def test_unknown_codec_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    apply_allow_disallow(("all",), ("h264", "ulaw"))
    assert "ignoring unknown codec 'h264'" in caplog.text


def test_find_codec_compares_names_case_insensitively_with_clock_and_channels() -> None:
    assert find_codec(RtpMap(payload_type=0, encoding="pcmu", clock_rate=8000)) is PCMU
    assert find_codec(RtpMap(payload_type=96, encoding="OPUS", clock_rate=48000, channels=2)) is (
        OPUS
    )
    assert find_codec(RtpMap(payload_type=96, encoding="opus", clock_rate=48000)) is None
    assert find_codec(RtpMap(payload_type=9, encoding="G722", clock_rate=16000)) is None


# -- offers -------------------------------------------------------------------------------


def test_offer_golden_bytes() -> None:
    sdp, state = build_offer(
        address=US, port=PORT, codecs=(PCMU, PCMA, G729), session=SessionState.new(session_id=42)
    )
    assert sdp.to_bytes() == body(
        "v=0",
        "o=- 42 42 IN IP4 203.0.113.1",
        "s=-",
        "c=IN IP4 203.0.113.1",
        "t=0 0",
        "m=audio 20000 RTP/AVP 0 8 18 101",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:18 G729/8000",
        "a=fmtp:18 annexb=no",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        "a=sendrecv",
    )
    assert state == SessionState(session_id=42, session_version=42, last=sdp)
    assert parse_sdp(sdp.to_bytes()) == sdp


def test_offer_with_opus_ipv6_no_dtmf_no_ptime_mux_and_hold() -> None:
    sdp, _ = build_offer(
        address="2001:db8::1",
        port=PORT,
        codecs=(OPUS, G722, OPUS),
        dtmf_pt=None,
        session=SessionState.new(session_id=1),
        direction=Direction.SENDONLY,
        ptime=None,
        rtcp_mux=True,
    )
    assert sdp.to_bytes() == body(
        "v=0",
        "o=- 1 1 IN IP6 2001:db8::1",
        "s=-",
        "c=IN IP6 2001:db8::1",
        "t=0 0",
        "m=audio 20000 RTP/AVP 96 9",
        "a=rtpmap:96 opus/48000/2",
        "a=rtpmap:9 G722/8000",
        "a=rtcp-mux",
        "a=sendonly",
    )


def test_dynamic_codecs_skip_the_dtmf_number() -> None:
    sdp, _ = build_offer(address=US, port=PORT, codecs=(OPUS,), dtmf_pt=96, session=None)
    assert sdp.media[0].formats == ("97", "96")


def test_new_session_gets_a_random_id_with_the_version_equal() -> None:
    sdp, state = build_offer(address=US, port=PORT, codecs=(PCMU,), session=None)
    assert sdp.origin.session_id == state.session_id == sdp.origin.session_version
    assert 0 <= state.session_id < 2**32


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"codecs": ()}, "an offer needs at least one codec"),
        ({"codecs": (PCMU, TELEPHONE_EVENT)}, "telephone-event is offered through dtmf_pt"),
        ({"dtmf_pt": 13}, "dtmf_pt must be a dynamic payload type (96..127): 13"),
        ({"dtmf_pt": 128}, "dtmf_pt must be a dynamic payload type (96..127): 128"),
        ({"port": 70000}, "m= port must be in 0..65535: 70000"),
    ],
)
def test_offer_argument_errors(options: dict[str, Any], message: str) -> None:
    settings: dict[str, Any] = {"address": US, "port": PORT, "codecs": (PCMU,), "session": None}
    settings.update(options)
    with pytest.raises(ValueError) as caught:
        build_offer(**settings)
    assert str(caught.value).startswith(message)


def test_too_many_dynamic_codecs_are_refused() -> None:
    many = [dataclasses.replace(OPUS, name=f"x{n}") for n in range(33)]
    with pytest.raises(ValueError, match="more dynamic codecs than dynamic payload types"):
        build_offer(address=US, port=PORT, codecs=many, session=None)


def test_version_increments_only_when_the_sdp_changes() -> None:
    state = SessionState.new(session_id=500)
    first, state = build_offer(address=US, port=PORT, codecs=(PCMU,), session=state)
    again, state = build_offer(address=US, port=PORT, codecs=(PCMU,), session=state)
    assert again is first
    assert again.origin.session_version == 500
    hold, state = build_offer(
        address=US, port=PORT, codecs=(PCMU,), session=state, direction=Direction.SENDONLY
    )
    assert (hold.origin.session_id, hold.origin.session_version) == (500, 501)
    hold_again, state = build_offer(
        address=US, port=PORT, codecs=(PCMU,), session=state, direction=Direction.SENDONLY
    )
    assert hold_again.to_bytes() == hold.to_bytes()
    resumed, state = build_offer(address=US, port=PORT, codecs=(PCMU,), session=state)
    assert resumed.origin.session_version == 502
    moved, state = build_offer(address=US, port=PORT + 2, codecs=(PCMU,), session=state)
    assert moved.origin.session_version == 503
    assert state.session_version == 503
    assert state.last is moved


def test_offer_and_answer_on_one_leg_share_the_version_sequence() -> None:
    result = answer("yealink.sdp", session=SessionState.new(session_id=9))
    sdp, _ = accepted(result)
    assert result.state is not None
    assert sdp.origin.session_version == 9
    reoffer, state = build_offer(address=US, port=PORT, codecs=(PCMU,), session=result.state)
    assert (reoffer.origin.session_id, reoffer.origin.session_version) == (9, 10)
    assert state.session_version == 10


# -- answers: the per-client table --------------------------------------------------------

_ALL = (PCMU, PCMA, G722, OPUS, G729, GSM)


@pytest.mark.parametrize(
    ("fixture", "supported", "expected"),
    [
        ("baresip.sdp", (PCMU, PCMA), (PCMU, 0, 101, Direction.SENDRECV, False)),
        ("baresip.sdp", _ALL, (OPUS, 96, 101, Direction.SENDRECV, False)),
        ("linphone_ice.sdp", (PCMU, PCMA), (PCMU, 0, 100, Direction.SENDRECV, False)),
        ("linphone_ice.sdp", _ALL, (OPUS, 96, 101, Direction.SENDRECV, False)),
        ("linphone_ice.sdp", (G729,), (G729, 18, 100, Direction.SENDRECV, False)),
        ("zoiper.sdp", (PCMU, PCMA, G722), (G722, 9, 101, Direction.SENDRECV, False)),
        ("zoiper.sdp", (OPUS,), (OPUS, 106, 98, Direction.SENDRECV, False)),
        ("zoiper.sdp", (GSM,), (GSM, 3, 101, Direction.SENDRECV, False)),
        ("yealink.sdp", (PCMA, PCMU), (PCMU, 0, 101, Direction.SENDRECV, False)),
        ("yealink.sdp", _ALL, (G722, 9, 101, Direction.SENDRECV, False)),
        ("trunk_g729.sdp", (PCMA, PCMU), (PCMU, 0, 96, Direction.SENDRECV, False)),
        ("trunk_g729.sdp", _ALL, (G729, 18, 96, Direction.SENDRECV, False)),
        ("late_offer_200.sdp", (PCMU, PCMA), (PCMA, 8, 100, Direction.SENDRECV, False)),
        ("three_streams.sdp", (PCMA,), (PCMA, 8, 101, Direction.SENDRECV, False)),
        ("ipv6_phone.sdp", (PCMU,), (PCMU, 0, 101, Direction.SENDRECV, False)),
        ("messy_lf.sdp", (PCMA,), (PCMA, 8, 101, Direction.SENDRECV, False)),
        ("hold_sendonly.sdp", (PCMU,), (PCMU, 0, 101, Direction.RECVONLY, True)),
        ("hold_inactive.sdp", (PCMU,), (PCMU, 0, 101, Direction.INACTIVE, True)),
        ("hold_zero_address.sdp", (PCMA,), (PCMA, 8, 101, Direction.RECVONLY, True)),
        ("hold_session_level.sdp", (PCMA,), (PCMA, 8, 101, Direction.RECVONLY, True)),
    ],
)
def test_answer_table(
    fixture: str,
    supported: tuple[Codec, ...],
    expected: tuple[Codec, int, int, Direction, bool],
) -> None:
    codec, pt, dtmf_pt, local, on_hold = expected
    offer = load(fixture)
    sdp, chosen = accepted(answer(offer, supported=supported))
    assert (chosen.codec, chosen.payload_type, chosen.dtmf_payload_type) == (codec, pt, dtmf_pt)
    assert chosen.direction_local is local
    assert chosen.on_hold is on_hold
    assert is_hold(offer) is on_hold
    audio = sdp.media[0]
    assert audio.formats == (str(pt), str(dtmf_pt))
    assert audio.direction(sdp) is local
    assert audio.port == PORT
    assert sdp.connection == Connection(address=US)
    assert audio.rtpmaps()[pt].encoding == codec.name
    assert parse_answer(offer, sdp).payload_type == pt


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_answer_mirrors_the_offers_m_lines(path: Path) -> None:
    offer = parse_sdp(path.read_bytes())
    result = answer(offer, supported=_ALL)
    if result.sdp is None:
        assert result.status == 488
        return
    assert [(m.media, m.protocol) for m in result.sdp.media] == [
        (m.media, m.protocol) for m in offer.media
    ]
    assert parse_sdp(result.sdp.to_bytes()) == result.sdp


def test_three_m_lines_with_only_audio_supported_give_two_refused() -> None:
    sdp, chosen = accepted(answer("three_streams.sdp"))
    assert len(sdp.media) == 3
    audio, video, application = sdp.media
    assert (audio.media, audio.port) == ("audio", PORT)
    assert video == MediaDescription(media="video", port=0, formats=("96", "97"))
    assert application == MediaDescription(
        media="application", port=0, protocol="UDP/BFCP", formats=("*",)
    )
    assert chosen.remote_port == 49170


def test_video_before_audio_is_refused_and_audio_still_accepted() -> None:
    offer = offer_lines(
        "m=video 5000 RTP/AVP 96", "a=rtpmap:96 H264/90000", "m=audio 5002 RTP/AVP 8"
    )
    sdp, chosen = accepted(answer(offer))
    assert [m.port for m in sdp.media] == [0, PORT]
    assert chosen.remote_port == 5002
    assert chosen.dtmf_payload_type is None
    assert sdp.media[1].formats == ("8",)


def test_only_the_first_usable_audio_stream_is_accepted() -> None:
    offer = offer_lines("m=audio 0 RTP/AVP 0", "m=audio 5000 RTP/AVP 0", "m=audio 5002 RTP/AVP 0")
    sdp, chosen = accepted(answer(offer))
    assert [m.port for m in sdp.media] == [0, PORT, 0]
    assert chosen.remote_port == 5000


def test_savp_stream_is_refused_and_the_next_rtp_avp_one_used() -> None:
    offer = offer_lines(
        "m=audio 5000 RTP/SAVP 0",
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
        "m=audio 5002 RTP/AVP 0",
    )
    sdp, chosen = accepted(answer(offer))
    assert [(m.port, m.protocol) for m in sdp.media] == [(0, "RTP/SAVP"), (PORT, "RTP/AVP")]
    assert chosen.remote_port == 5002


@pytest.mark.parametrize(
    ("offer", "reason"),
    [
        (offer_lines("m=audio 5000 RTP/AVP 18 3"), "no common codec"),
        (
            offer_lines("m=audio 5000 RTP/AVP 101", "a=rtpmap:101 telephone-event/8000"),
            "no common codec",
        ),
        (
            offer_lines("m=audio 5000 RTP/AVP 9", "a=rtpmap:9 G722/16000"),
            "no common codec",
        ),
        (offer_lines("m=audio 0 RTP/AVP 0"), "the offerer disabled its audio stream"),
        (offer_lines("m=video 5000 RTP/AVP 31"), "the offer has no audio stream"),
        (offer_lines(), "the offer has no audio stream"),
        (
            parse_sdp(body("v=0", "o=- 1 1 IN IP4 h", "s=-", "t=0 0", "m=audio 5000 RTP/AVP 0")),
            "the audio stream has no c= address",
        ),
    ],
)
def test_no_usable_audio_gives_488(offer: SessionDescription, reason: str) -> None:
    state = SessionState.new(session_id=3)
    result = answer(offer, session=state)
    assert result == AnswerResult(status=488, sdp=None, state=state, chosen=None, reason=reason)


def test_webrtc_offer_is_not_acceptable_here() -> None:
    result = answer("webrtc_sdes.sdp", supported=_ALL)
    assert (result.status, result.reason) == (488, "audio profile RTP/SAVPF is not supported")


def test_first_refusal_reason_is_reported() -> None:
    offer = offer_lines("m=audio 5000 RTP/SAVP 0", "m=audio 5002 RTP/AVP 18")
    assert answer(offer).reason == "audio profile RTP/SAVP is not supported"


# -- answers: codec and telephone-event choice --------------------------------------------


def test_offerer_order_wins_by_default_and_ours_on_request() -> None:
    offer = load("yealink.sdp")  # 9 0 8 18
    _, theirs = accepted(answer(offer, supported=(PCMA, PCMU, G722)))
    assert theirs.codec is G722
    _, ours = accepted(answer(offer, supported=(PCMA, PCMU, G722), prefer_offerer_order=False))
    assert (ours.codec, ours.payload_type) == (PCMA, 8)


def test_our_order_still_uses_the_offerers_number() -> None:
    offer = offer_lines("m=audio 5000 RTP/AVP 0 98", "a=rtpmap:98 opus/48000/2")
    _, chosen = accepted(answer(offer, supported=(OPUS, PCMU), prefer_offerer_order=False))
    assert (chosen.codec, chosen.payload_type) == (OPUS, 98)


def test_g722_answer_keeps_the_8000_clock() -> None:
    sdp, chosen = accepted(answer("yealink.sdp", supported=(G722,)))
    assert "a=rtpmap:9 G722/8000" in sdp.to_bytes().decode()
    assert (chosen.codec.clock_rate, chosen.codec.sample_rate) == (8000, 16000)


def test_telephone_event_96_is_kept_with_the_offerers_fmtp() -> None:
    sdp, chosen = accepted(answer("trunk_g729.sdp", supported=(PCMU,)))
    assert chosen.dtmf_payload_type == 96
    audio = sdp.media[0]
    assert audio.formats == ("0", "96")
    assert audio.rtpmaps()[96] == RtpMap(
        payload_type=96, encoding="telephone-event", clock_rate=8000
    )
    assert audio.fmtp(96) == "0-15"


def test_telephone_event_without_fmtp_is_answered_0_16() -> None:
    sdp, chosen = accepted(answer("hold_zero_address.sdp"))
    assert chosen.dtmf_payload_type == 101
    assert sdp.media[0].fmtp(101) == "0-16"


def test_opus_picks_the_48000_telephone_event() -> None:
    sdp, chosen = accepted(answer("zoiper.sdp", supported=(OPUS,)))
    assert chosen.dtmf_payload_type == 98
    assert sdp.media[0].rtpmaps()[98].clock_rate == 48000
    assert "a=rtpmap:106 opus/48000/2" in sdp.to_bytes().decode()


def test_opus_falls_back_to_8000_telephone_event() -> None:
    offer = offer_lines(
        "m=audio 5000 RTP/AVP 111 101",
        "a=rtpmap:111 opus/48000/2",
        "a=rtpmap:101 telephone-event/8000",
    )
    _, chosen = accepted(answer(offer, supported=(OPUS,)))
    assert chosen.dtmf_payload_type == 101


def test_dtmf_can_be_left_out() -> None:
    sdp, chosen = accepted(answer("yealink.sdp", dtmf=False))
    assert chosen.dtmf_payload_type is None
    assert sdp.media[0].formats == ("9",)


def test_our_g729_fmtp_is_sent_not_the_offerers() -> None:
    sdp, chosen = accepted(answer("linphone_ice.sdp", supported=(G729,)))
    assert sdp.media[0].fmtp(18) == "annexb=no"
    assert chosen.remote_fmtp == "annexb=yes"


def test_cn_is_not_a_codec_choice() -> None:
    offer = offer_lines("m=audio 5000 RTP/AVP 13 0")
    sdp, chosen = accepted(answer(offer))
    assert chosen.codec is PCMU
    assert sdp.media[0].formats == ("0",)


# -- answers: directions and hold ---------------------------------------------------------


@pytest.mark.parametrize(
    ("media", "session", "local", "expected", "remote"),
    [
        ("a=sendrecv", (), Direction.SENDRECV, Direction.SENDRECV, Direction.SENDRECV),
        ("a=sendonly", (), Direction.SENDRECV, Direction.RECVONLY, Direction.SENDONLY),
        ("a=recvonly", (), Direction.SENDRECV, Direction.SENDONLY, Direction.RECVONLY),
        ("a=inactive", (), Direction.SENDRECV, Direction.INACTIVE, Direction.INACTIVE),
        ("a=sendrecv", (), Direction.SENDONLY, Direction.SENDONLY, Direction.SENDRECV),
        ("a=sendrecv", (), Direction.INACTIVE, Direction.INACTIVE, Direction.SENDRECV),
        ("a=sendonly", (), Direction.SENDONLY, Direction.INACTIVE, Direction.SENDONLY),
        ("a=x-none", ("a=inactive",), Direction.SENDRECV, Direction.INACTIVE, Direction.INACTIVE),
        ("a=sendrecv", ("a=inactive",), Direction.SENDRECV, Direction.SENDRECV, Direction.SENDRECV),
    ],
)
def test_answer_direction_is_the_reverse_limited_by_ours(
    media: str,
    session: tuple[str, ...],
    local: Direction,
    expected: Direction,
    remote: Direction,
) -> None:
    offer = offer_lines("m=audio 5000 RTP/AVP 0", media, session=session)
    sdp, chosen = accepted(answer(offer, direction=local))
    assert sdp.media[0].direction(sdp) is expected
    assert (chosen.direction_local, chosen.direction_remote) == (expected, remote)


def test_legacy_zero_address_hold_is_detected_and_answered_recvonly() -> None:
    offer = load("hold_zero_address.sdp")
    assert offer.media[0].direction(offer) is Direction.SENDRECV
    sdp, chosen = accepted(answer(offer))
    assert chosen.on_hold
    assert chosen.direction_remote is Direction.SENDONLY
    assert chosen.remote_address == "0.0.0.0"
    assert sdp.media[0].direction(sdp) is Direction.RECVONLY
    assert sdp.connection == Connection(address=US)  # never echo the zero address


def test_zero_address_with_inactive_or_at_media_level() -> None:
    inactive = offer_lines("m=audio 5000 RTP/AVP 0", "c=IN IP4 0.0.0.0", "a=inactive")
    assert is_hold(inactive)
    _, chosen = accepted(answer(inactive))
    assert chosen.direction_local is Direction.INACTIVE
    recvonly = offer_lines("m=audio 5000 RTP/AVP 0", "c=IN IP6 ::", "a=recvonly")
    _, chosen = accepted(answer(recvonly))
    assert chosen.direction_remote is Direction.INACTIVE


@pytest.mark.parametrize(
    "fixture", ["hold_sendonly.sdp", "hold_zero_address.sdp", "hold_session_level.sdp"]
)
def test_hold_answer_false_answers_inactive(fixture: str) -> None:
    sdp, chosen = accepted(answer(fixture, hold_answer=False))
    assert sdp.media[0].direction(sdp) is Direction.INACTIVE
    assert chosen.on_hold


def test_hold_answer_false_leaves_an_unheld_stream_alone() -> None:
    _, chosen = accepted(answer("yealink.sdp", hold_answer=False))
    assert chosen.direction_local is Direction.SENDRECV


def test_zero_address_on_an_ice_stream_is_a_trickle_placeholder_not_hold() -> None:
    offer = offer_lines(
        "m=audio 9 RTP/AVP 0", "c=IN IP4 0.0.0.0", "a=ice-ufrag:abcd", "a=ice-pwd:x"
    )
    assert not is_hold(offer)
    session_ice = offer_lines(
        "m=audio 9 RTP/AVP 0", "c=IN IP4 0.0.0.0", session=("a=ice-ufrag:abcd",)
    )
    assert not is_hold(session_ice)


@pytest.mark.parametrize(
    ("fixture", "held"),
    [
        ("hold_sendonly.sdp", True),
        ("hold_inactive.sdp", True),
        ("hold_zero_address.sdp", True),
        ("hold_session_level.sdp", True),
        ("yealink.sdp", False),
        ("baresip.sdp", False),
        ("three_streams.sdp", False),
    ],
)
def test_is_hold(fixture: str, held: bool) -> None:
    assert is_hold(load(fixture)) is held


def test_is_hold_looks_at_the_first_active_audio_stream_only() -> None:
    assert not is_hold(offer_lines("m=audio 0 RTP/AVP 0", "a=inactive", "m=audio 5 RTP/AVP 0"))
    assert is_hold(
        offer_lines("m=video 5 RTP/AVP 31", "a=sendrecv", "m=audio 5 RTP/AVP 0", "a=sendonly")
    )
    assert not is_hold(offer_lines("m=video 5 RTP/AVP 31", "a=inactive"))


def test_hold_then_resume_bumps_the_answer_version_and_a_refresh_does_not() -> None:
    state: SessionState | None = SessionState.new(session_id=100)
    versions = []
    for fixture in ("yealink.sdp", "yealink.sdp", "hold_sendonly.sdp", "yealink.sdp"):
        result = answer(fixture, session=state)
        sdp, _ = accepted(result)
        state = result.state
        versions.append(sdp.origin.session_version)
    assert versions == [100, 100, 101, 102]


# -- answers: what is not echoed, rtcp ----------------------------------------------------


def test_ice_and_other_offer_attributes_are_not_echoed() -> None:
    sdp, _ = accepted(answer("linphone_ice.sdp"))
    names = {a.name for a in sdp.attributes} | {a.name for a in sdp.media[0].attributes}
    assert names == {"rtpmap", "fmtp", "ptime", "sendrecv"}
    assert b"candidate" not in sdp.to_bytes()
    assert b"ice-" not in sdp.to_bytes()


def test_rtcp_mux_is_echoed_only_when_we_support_it() -> None:
    sdp, chosen = accepted(answer("zoiper.sdp"))
    assert not sdp.media[0].rtcp_mux
    assert (chosen.rtcp_mux, chosen.remote_rtcp_port) == (False, 52149)
    sdp, chosen = accepted(answer("zoiper.sdp", rtcp_mux=True))
    assert sdp.media[0].rtcp_mux
    assert (chosen.rtcp_mux, chosen.remote_rtcp_port) == (True, 52148)
    sdp, chosen = accepted(answer("yealink.sdp", rtcp_mux=True))
    assert not sdp.media[0].rtcp_mux  # not offered
    assert not chosen.rtcp_mux


def test_rtcp_attribute_sets_the_remote_rtcp_port_and_address() -> None:
    _, chosen = accepted(answer("linphone_ice.sdp"))
    assert (chosen.remote_rtcp_address, chosen.remote_rtcp_port) == ("203.0.113.50", 41235)
    offer = offer_lines("m=audio 5000 RTP/AVP 0", "a=rtcp:6001 IN IP4 192.0.2.99")
    _, chosen = accepted(answer(offer))
    assert (chosen.remote_rtcp_address, chosen.remote_rtcp_port) == ("192.0.2.99", 6001)


@pytest.mark.parametrize(("line", "ptime"), [("a=ptime:30", 30), ("a=ptime:5", 20), (None, 20)])
def test_remote_ptime(line: str | None, ptime: int) -> None:
    offer = offer_lines("m=audio 5000 RTP/AVP 0", *([line] if line else []))
    sdp, chosen = accepted(answer(offer, ptime=30))
    assert chosen.ptime == ptime
    assert sdp.media[0].ptime == 30  # ours: what we want to receive


def test_answer_without_session_starts_one() -> None:
    result = answer("yealink.sdp", session=None)
    sdp, _ = accepted(result)
    assert result.state is not None
    assert result.state.last is sdp


# -- parse_answer: late offer and our own offers ------------------------------------------


def our_offer(**options: Any) -> SessionDescription:
    sdp, _ = build_offer(
        address=US,
        port=PORT,
        codecs=(PCMU, PCMA, OPUS),
        session=SessionState.new(session_id=1),
        **options,
    )
    return sdp


def peer_answer(*media_lines: str) -> SessionDescription:
    return parse_sdp(
        body(
            "v=0",
            "o=peer 9 9 IN IP4 198.51.100.5",
            "s=-",
            "c=IN IP4 198.51.100.5",
            "t=0 0",
            *media_lines,
        )
    )


def test_late_offer_round_trip_with_our_answer_builder() -> None:
    # INVITE without SDP: we offer in the 200, the phone answers in the ACK.
    offer = our_offer()
    phone = build_answer(
        offer,
        address="192.168.1.50",
        port=4000,
        supported=(PCMA, PCMU),
        session=None,
        prefer_offerer_order=False,
    )
    assert phone.sdp is not None
    chosen = parse_answer(offer, phone.sdp)
    assert chosen == NegotiatedAudio(
        codec=PCMA,
        payload_type=8,
        dtmf_payload_type=101,
        ptime=20,
        remote_address="192.168.1.50",
        remote_port=4000,
        remote_rtcp_address="192.168.1.50",
        remote_rtcp_port=4001,
        rtcp_mux=False,
        remote_fmtp=None,
        direction_remote=Direction.SENDRECV,
        direction_local=Direction.SENDRECV,
    )


def test_late_offer_from_a_trunk_200_is_answered_for_the_ack() -> None:
    # Our INVITE had no SDP; the trunk's 200 carries the offer and our ACK the answer.
    result = answer("late_offer_200.sdp", supported=(PCMU, PCMA), prefer_offerer_order=False)
    sdp, chosen = accepted(result)
    assert (chosen.codec, chosen.payload_type, chosen.dtmf_payload_type) == (PCMU, 0, 100)
    assert (chosen.remote_address, chosen.remote_port, chosen.ptime) == ("203.0.113.8", 40000, 30)
    assert sdp.media[0].formats == ("0", "100")


def test_parse_answer_reads_opus_dtmf_mux_and_direction() -> None:
    offer = our_offer(rtcp_mux=True, direction=Direction.SENDONLY)
    chosen = parse_answer(
        offer,
        peer_answer(
            "m=audio 7000 RTP/AVP 96 101",
            "a=rtpmap:96 opus/48000/2",
            "a=fmtp:96 stereo=0",
            "a=rtpmap:101 telephone-event/8000",
            "a=rtcp-mux",
            "a=recvonly",
            "a=ptime:40",
        ),
    )
    assert (chosen.codec, chosen.payload_type, chosen.dtmf_payload_type) == (OPUS, 96, 101)
    assert (chosen.rtcp_mux, chosen.remote_rtcp_port, chosen.ptime) == (True, 7000, 40)
    assert chosen.remote_fmtp == "stereo=0"
    assert (chosen.direction_local, chosen.direction_remote) == (
        Direction.SENDONLY,
        Direction.RECVONLY,
    )
    assert not chosen.on_hold


def test_parse_answer_takes_the_first_codec_and_skips_companions() -> None:
    chosen = parse_answer(our_offer(), peer_answer("m=audio 7000 RTP/AVP 101 8 0"))
    assert (chosen.codec, chosen.payload_type, chosen.dtmf_payload_type) == (PCMA, 8, 101)


def test_parse_answer_passes_over_codecs_we_never_offered() -> None:
    # Some UAs (SIPp's sample scenarios among them) answer with their whole codec list.
    pcma_only, _ = build_offer(address=US, port=PORT, codecs=(PCMA,),
                               session=SessionState.new(session_id=1))
    chosen = parse_answer(pcma_only, peer_answer("m=audio 7000 RTP/AVP 0 8 101"))
    assert (chosen.codec, chosen.payload_type) == (PCMA, 8)


def test_parse_answer_ignores_a_telephone_event_we_did_not_offer() -> None:
    chosen = parse_answer(
        our_offer(),
        peer_answer("m=audio 7000 RTP/AVP 0 100", "a=rtpmap:100 telephone-event/8000"),
    )
    assert chosen.dtmf_payload_type is None


def test_parse_answer_to_a_hold_offer_that_comes_back_inactive() -> None:
    chosen = parse_answer(
        our_offer(direction=Direction.SENDONLY),
        peer_answer("m=audio 7000 RTP/AVP 0", "a=inactive"),
    )
    assert chosen.direction_local is Direction.INACTIVE


def test_parse_answer_skips_refused_streams() -> None:
    audio = MediaDescription(media="audio", port=PORT, formats=("0",))
    video = MediaDescription(media="video", port=PORT + 2, formats=("31",))
    offer = SessionDescription(
        origin=our_offer().origin,
        connection=Connection(address=US),
        media=(video, audio),
    )
    chosen = parse_answer(offer, peer_answer("m=video 0 RTP/AVP 31", "m=audio 7000 RTP/AVP 0"))
    assert chosen.codec is PCMU


@pytest.mark.parametrize(
    ("media_lines", "message"),
    [
        ((), "the answer has 0 m-lines but the offer had 1"),
        (
            ("m=audio 7000 RTP/AVP 0", "m=video 0 RTP/AVP 31"),
            "the answer has 2 m-lines but the offer had 1",
        ),
        (("m=audio 0 RTP/AVP 0",), "the answer accepted no audio stream"),
        (
            ("m=audio 7000 RTP/AVP 18",),
            "the answer chose payload type 18, which the offer did not contain",
        ),
        (
            ("m=audio 7000 RTP/AVP 97", "a=rtpmap:97 opus/48000/2"),
            "the answer chose payload type 97, which the offer did not contain",
        ),
        (
            ("m=audio 7000 RTP/AVP 96", "a=rtpmap:96 speex/16000"),
            "the answer maps payload type 96 to speex, the offer to opus",
        ),
        (("m=audio 7000 RTP/AVP 101",), "the answer's audio stream has no codec"),
        (("m=video 7000 RTP/AVP 31",), "m-line 1 is video in the answer"),
    ],
)
def test_parse_answer_errors(media_lines: tuple[str, ...], message: str) -> None:
    with pytest.raises(OfferAnswerError) as caught:
        parse_answer(our_offer(), peer_answer(*media_lines))
    assert str(caught.value) == message
    assert caught.value.status_code == 488
    assert isinstance(caught.value, SipError)


def test_parse_answer_without_an_address_is_refused() -> None:
    no_address = parse_sdp(
        body("v=0", "o=peer 9 9 IN IP4 h", "s=-", "t=0 0", "m=audio 7000 RTP/AVP 0")
    )
    with pytest.raises(OfferAnswerError, match="the audio stream has no c= address"):
        parse_answer(our_offer(), no_address)


def test_parse_answer_to_a_built_offer_with_unknown_codec_is_refused() -> None:
    offer = our_offer()
    audio = dataclasses.replace(
        offer.media[0],
        formats=("97",),
        attributes=(Attribute(name="rtpmap", value="97 speex/8000"),),
    )
    offer = dataclasses.replace(offer, media=(audio,))
    with pytest.raises(OfferAnswerError, match="payload type 97"):
        parse_answer(offer, peer_answer("m=audio 7000 RTP/AVP 97"))


def test_forked_early_media_then_a_different_200_follows_the_answered_leg() -> None:
    offer = our_offer()
    early = parse_answer(offer, peer_answer("m=audio 7000 RTP/AVP 0", "a=sendrecv"))
    final = parse_answer(
        offer,
        parse_sdp(
            body(
                "v=0",
                "o=other 4 4 IN IP4 198.51.100.9",
                "s=-",
                "c=IN IP4 198.51.100.9",
                "t=0 0",
                "m=audio 9000 RTP/AVP 8 101",
            )
        ),
    )
    assert (early.remote_address, early.remote_port, early.codec) == ("198.51.100.5", 7000, PCMU)
    assert (final.remote_address, final.remote_port, final.codec) == ("198.51.100.9", 9000, PCMA)
    assert final.dtmf_payload_type == 101
