"""SIP URIs, absolute URIs and name-addr values (RFC 3261 §19.1, §20.10)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sip.errors import ParseError, UnsupportedUriScheme
from sip.uri import (
    AbsoluteUri,
    NameAddr,
    SipUri,
    parse_name_addr_list,
    parse_uri,
    split_top_level,
)

# -- SipUri -------------------------------------------------------------------------------


def test_full_sip_uri_parses_into_every_component() -> None:
    uri = SipUri.parse("sips:alice:secret@Atlanta.Example.com:5061;transport=TLS;lr?subject=hi&x=")
    assert uri == SipUri(
        scheme="sips",
        user="alice",
        password="secret",
        host="Atlanta.Example.com",
        port=5061,
        params=(("transport", "TLS"), ("lr", None)),
        headers=(("subject", "hi"), ("x", "")),
    )
    assert uri.transport == "tls"
    assert uri.host_port == "Atlanta.Example.com:5061"
    assert str(uri) == "sips:alice:secret@Atlanta.Example.com:5061;transport=TLS;lr?subject=hi&x="


def test_scheme_is_lowercased_and_host_kept_as_given() -> None:
    uri = SipUri.parse("SIP:Bob@BILOXI.example.COM")
    assert (uri.scheme, uri.user, uri.host, uri.port) == ("sip", "Bob", "BILOXI.example.COM", None)
    assert str(uri) == "sip:Bob@BILOXI.example.COM"


def test_host_only_uri_has_no_user() -> None:
    uri = SipUri.parse("sip:127.0.0.1:5080")
    assert uri.user is None
    assert uri.password is None
    assert uri.host_port == "127.0.0.1:5080"


def test_ipv6_reference_is_stored_without_brackets_and_printed_with_them() -> None:
    uri = SipUri.parse("sip:bob@[2001:db8::10]:5070;transport=tcp")
    assert uri.host == "2001:db8::10"
    assert uri.port == 5070
    assert uri.host_port == "[2001:db8::10]:5070"
    assert str(uri) == "sip:bob@[2001:db8::10]:5070;transport=tcp"
    assert SipUri.parse("sip:[::1]").host_port == "[::1]"


def test_escaped_user_is_kept_escaped() -> None:
    uri = SipUri.parse("sip:sips%3Auser%40example.com@example.net")
    assert uri.user == "sips%3Auser%40example.com"
    assert uri.host == "example.net"


def test_user_part_may_hold_semicolons_and_question_marks() -> None:
    # RFC 4475 semiuri / intmeth: the first "@" ends the userinfo.
    uri = SipUri.parse("sip:user;par=u%40example.net@example.com")
    assert uri.user == "user;par=u%40example.net"
    assert uri.params == ()
    odd = SipUri.parse("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1@example.com")
    assert odd.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert odd.password == "&it+has=1"


def test_param_lookup_is_case_insensitive_and_flags_have_no_value() -> None:
    uri = SipUri.parse("sip:a@b;LR;Maddr=10.0.0.1;n%61me=v%61lue")
    assert uri.params == (("lr", None), ("maddr", "10.0.0.1"), ("n%61me", "v%61lue"))
    assert uri.has_param("lr")
    assert uri.param("lr") is None
    assert uri.param("MADDR") == "10.0.0.1"
    assert not uri.has_param("transport")
    assert uri.param("transport") is None
    assert uri.transport is None


def test_with_params_replaces_in_place_and_appends_new_ones() -> None:
    uri = SipUri.parse("sip:a@b;transport=udp;lr")
    changed = uri.with_params(transport="tcp", ob=None)
    assert changed.params == (("transport", "tcp"), ("lr", None), ("ob", None))
    assert str(changed) == "sip:a@b;transport=tcp;lr;ob"
    assert uri.params == (("transport", "udp"), ("lr", None))
    assert changed.without_params("LR", "missing").params == (("transport", "tcp"), ("ob", None))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sip:", "bad URI character"),
        ("sip:alice@", "bad URI host"),
        ("sip:@example.com", "bad URI user"),
        ("sip:alice@example.com:", "bad URI port"),
        ("sip:alice@example.com:65536", "bad URI port"),
        ("sip:alice@example.com:50x0", "bad URI port"),
        ("sip:alice@[2001:db8::zz]", "bad URI host"),
        ("sip:alice@[2001:db8::1", "bad URI host"),
        ("sip:alice@exa mple.com", "bad URI character"),
        ("sip:alice@example.com;;lr", "bad URI parameter"),
        ("sip:alice@example.com;=x", "bad URI parameter"),
        ("sip:alice@example.com?&a=b", "bad URI header"),
        ("sip:alice@example.com]", "bad URI host"),
        ("sip:alice@<example.com>", "bad URI character"),
        ("sip:al\u00efce@example.com", "bad URI character"),
        ("<sip:alice@example.com>", "bad URI scheme"),
        ("alice@example.com", "bad URI scheme"),
        ("1sip:alice@example.com", "bad URI scheme"),
    ],
)
def test_malformed_sip_uris_raise_parse_error_with_exact_message(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_uri(text)
    assert str(caught.value) == message
    assert caught.value.status_code == 400


def test_sip_uri_parse_of_other_scheme_is_unsupported_uri_scheme() -> None:
    with pytest.raises(UnsupportedUriScheme) as caught:
        SipUri.parse("tel:+15551234567")
    assert caught.value.status_code == 416
    assert str(caught.value) == "unsupported URI scheme: tel"


def test_sip_uri_construction_validates() -> None:
    with pytest.raises(ValueError, match=r"scheme"):
        SipUri(scheme="tel", host="x")
    with pytest.raises(ValueError, match=r"host"):
        SipUri(scheme="sip", host="")
    with pytest.raises(ValueError, match=r"port"):
        SipUri(scheme="sip", host="x", port=70000)


# -- AbsoluteUri and parse_uri ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "scheme", "rest"),
    [
        (
            "tel:+1-201-555-0123;phone-context=example.com",
            "tel",
            "+1-201-555-0123;phone-context=example.com",
        ),
        (
            "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
            "urn",
            "uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        ),
        (
            "nobodyKnowsThisScheme:totallyopaquecontent",
            "nobodyknowsthisscheme",
            "totallyopaquecontent",
        ),
        ("soap.beep://192.0.2.103:3002", "soap.beep", "//192.0.2.103:3002"),
        ("HTTP://www.example.com", "http", "//www.example.com"),
    ],
)
def test_other_schemes_become_absolute_uris(text: str, scheme: str, rest: str) -> None:
    uri = parse_uri(text)
    assert uri == AbsoluteUri(scheme=scheme, text=rest)
    assert str(uri) == f"{scheme}:{rest}"


def test_parse_uri_dispatches_sip_and_sips_to_sip_uri() -> None:
    assert isinstance(parse_uri("sip:a@b"), SipUri)
    assert isinstance(parse_uri("SIPS:a@b"), SipUri)


def test_absolute_uri_refuses_sip_schemes() -> None:
    with pytest.raises(ParseError):
        AbsoluteUri.parse("sip:a@b")
    with pytest.raises(ValueError):
        AbsoluteUri(scheme="sips", text="a@b")


@pytest.mark.parametrize("text", ["tel:", "tel: 123", "tel:<123>", ":123", "t el:1"])
def test_malformed_absolute_uris_are_rejected(text: str) -> None:
    with pytest.raises(ParseError):
        parse_uri(text)


# -- NameAddr -----------------------------------------------------------------------------


def test_name_addr_with_quoted_display_name_and_params() -> None:
    value = NameAddr.parse('"Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl;x')
    assert value.display_name == "Alice Liddell"
    assert value.uri == SipUri(scheme="sip", user="alice", host="atlanta.example.com")
    assert value.params == (("tag", "9fxced76sl"), ("x", None))
    assert value.tag == "9fxced76sl"
    assert str(value) == '"Alice Liddell" <sip:alice@atlanta.example.com>;tag=9fxced76sl;x'


def test_token_display_name_without_space_before_angle_bracket() -> None:
    value = NameAddr.parse("caller<sip:caller@example.com>;tag=323")
    assert value.display_name == "caller"
    assert value.tag == "323"
    assert str(value) == '"caller" <sip:caller@example.com>;tag=323'


def test_bare_angle_brackets_have_no_display_name() -> None:
    value = NameAddr.parse("  <sip:bob@biloxi.example.com>  ")
    assert value.display_name is None
    assert str(value) == "<sip:bob@biloxi.example.com>"


def test_addr_spec_params_belong_to_the_header_not_the_uri() -> None:
    # RFC 3261 §20.10 and RFC 4475 cparam01.
    value = NameAddr.parse("sip:+19725552222@gw1.example.net;unknownparam;tag=5")
    assert value.uri == SipUri(scheme="sip", user="+19725552222", host="gw1.example.net")
    assert value.params == (("unknownparam", None), ("tag", "5"))
    assert str(value) == "<sip:+19725552222@gw1.example.net>;unknownparam;tag=5"


def test_bracketed_uri_params_stay_on_the_uri() -> None:
    value = NameAddr.parse("<sip:+19725552222@gw1.example.net;unknownparam>")
    assert value.uri.params == (("unknownparam", None),)  # type: ignore[union-attr]
    assert value.params == ()


def test_quoted_pairs_are_unescaped_in_display_name() -> None:
    value = NameAddr.parse('"J Rosenberg \\\\\\"" <sip:jdrosen@example.com>')
    assert value.display_name == 'J Rosenberg \\"'
    assert NameAddr.parse(str(value)) == value


def test_display_name_with_control_characters_round_trips() -> None:
    value = NameAddr.parse('"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:a@example.com>')
    assert value.display_name == "BEL:\x07 NUL:\x00 DEL:\x7f"
    assert NameAddr.parse(str(value)) == value


def test_quoted_param_value_keeps_quotes_and_protects_delimiters() -> None:
    instance = '"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>"'
    text = f"<sip:alice@192.0.2.4;ob>;reg-id=1;+sip.instance={instance}"
    value = NameAddr.parse(text)
    assert value.param("+sip.instance") == instance
    assert value.param("reg-id") == "1"
    assert str(value) == text


def test_lws_around_params_and_equals_is_tolerated() -> None:
    value = NameAddr.parse(
        '"Quoted string \\"\\"" <sip:jdrosen@example.com> '
        "; newparam = newvalue ; secondparam ; q = 0.33"
    )
    assert value.display_name == 'Quoted string ""'
    assert value.params == (("newparam", "newvalue"), ("secondparam", None), ("q", "0.33"))


def test_with_param_handles_names_that_are_not_identifiers() -> None:
    value = NameAddr.parse("<sip:a@b>;expires=60")
    changed = value.with_param("+sip.instance", '"<urn:uuid:1>"').with_params(expires="0")
    assert str(changed) == '<sip:a@b>;expires=0;+sip.instance="<urn:uuid:1>"'
    assert changed.without_params("EXPIRES").params == (("+sip.instance", '"<urn:uuid:1>"'),)


def test_with_tag_sets_or_replaces_the_tag() -> None:
    value = NameAddr.parse("Bob <sip:bob@b>")
    assert value.tag is None
    assert value.with_tag("abc").tag == "abc"
    assert value.with_tag("abc").with_tag("def").params == (("tag", "def"),)


def test_absolute_uri_in_name_addr() -> None:
    assert NameAddr.parse("isbn:2983792873").uri == AbsoluteUri(scheme="isbn", text="2983792873")
    value = NameAddr.parse("<http://www.example.com>;tag=3234233")
    assert value.uri == AbsoluteUri(scheme="http", text="//www.example.com")
    assert value.tag == "3234233"


def test_non_ascii_unquoted_display_name_is_accepted() -> None:
    assert (
        NameAddr.parse("J\u00f6rg M\u00fcller <sip:j@example.com>").display_name
        == "J\u00f6rg M\u00fcller"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty address"),
        ('"Mr. J. User <sip:j.user@example.com>', "unterminated quoted string"),
        ("Bell, Alexander <sip:a.g.bell@example.com>;tag=43", "bad display name"),
        ('"Watson, Thomas" < sip:t.watson@example.org >', "bad URI scheme"),
        ('"Watson" <sip:t.watson@example.org >', "bad URI character"),
        ("<sip:joe@example.org>;;;;", "empty parameter"),
        ("<sip:joe@example.org>;tag=", "bad parameter value"),
        ("<sip:joe@example.org>;t@g=1", "bad parameter name"),
        ('<sip:joe@example.org>;p="open', "unterminated quoted string"),
        ('<sip:joe@example.org>;p="a"b', "bad parameter value"),
        ("<sip:joe@example.org> x", "bad address parameters"),
        ("<sip:joe@example.org", "missing '>'"),
        ('"Joe"', "display name without <URI>"),
        ('"Joe" x <sip:joe@example.org>', "bad display name"),
        (
            "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
            "URI with headers must be in angle brackets",
        ),
    ],
)
def test_malformed_name_addrs_raise_exact_messages(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        NameAddr.parse(text)
    assert str(caught.value) == message


def test_bracketed_uri_may_carry_escaped_headers() -> None:
    value = NameAddr.parse("<sip:user@example.com?Route=%3Csip:sip.example.com%3E>")
    assert value.uri.headers == (("Route", "%3Csip:sip.example.com%3E"),)  # type: ignore[union-attr]


def test_display_name_cannot_hold_line_breaks() -> None:
    with pytest.raises(ValueError):
        NameAddr(display_name="a\r\nVia: x", uri=SipUri(scheme="sip", host="h"))


# -- lists --------------------------------------------------------------------------------


def test_name_addr_list_ignores_commas_in_quotes_and_brackets() -> None:
    values = parse_name_addr_list(
        '"Bell, Alexander" <sip:a@example.com;x=1>, <sip:b@example.com?h=1,2>,'
        "sip:c@example.com;q=0.5"
    )
    assert [v.display_name for v in values] == ["Bell, Alexander", None, None]
    assert [str(v.uri) for v in values] == [
        "sip:a@example.com;x=1",
        "sip:b@example.com?h=1,2",
        "sip:c@example.com",
    ]
    assert values[2].param("q") == "0.5"
    assert parse_name_addr_list("  ") == []


def test_split_top_level_keeps_empty_pieces_and_escaped_quotes() -> None:
    assert split_top_level('a,"b\\",c",<d,e>,', ",") == ["a", '"b\\",c"', "<d,e>", ""]
    assert split_top_level("<a;b>;c", ";", angle_brackets=False) == ["<a", "b>", "c"]


# -- properties ---------------------------------------------------------------------------

_TOKEN = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~",
    min_size=1,
    max_size=12,
)
_USER = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()%&=+$,;?/", min_size=1, max_size=12
)
_HOST = st.one_of(
    st.from_regex(r"[a-z0-9]([a-z0-9\-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){0,3}", fullmatch=True),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
)
_PVALUE = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()%[]/:&+$", min_size=1, max_size=10
)
_HVALUE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()%[]/?:+$", max_size=10)


@st.composite
def sip_uris(draw: st.DrawFn) -> SipUri:
    user = draw(st.none() | _USER)
    password = draw(st.none() | _USER) if user else None
    return SipUri(
        scheme=draw(st.sampled_from(["sip", "sips"])),
        user=user,
        password=password,
        host=draw(_HOST),
        port=draw(st.none() | st.integers(0, 65535)),
        params=tuple(
            draw(st.lists(st.tuples(_TOKEN.map(str.lower), st.none() | _PVALUE), max_size=4))
        ),
        headers=tuple(draw(st.lists(st.tuples(_TOKEN, _HVALUE), max_size=3))),
    )


@given(sip_uris())
def test_sip_uri_round_trips_through_text(uri: SipUri) -> None:
    assert SipUri.parse(str(uri)) == uri


@given(
    sip_uris(),
    st.none()
    | st.text(st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]), max_size=20),
    st.lists(
        st.tuples(_TOKEN.map(str.lower), st.none() | _TOKEN | _TOKEN.map(lambda t: f'"{t} ;,"')),
        max_size=4,
    ),
)
def test_name_addr_round_trips_through_text(
    uri: SipUri, display: str | None, params: list[tuple[str, str | None]]
) -> None:
    value = NameAddr(display_name=display, uri=uri, params=tuple(params))
    assert NameAddr.parse(str(value)) == value


@given(st.text(max_size=60))
def test_uri_and_address_parsers_raise_only_parse_error(text: str) -> None:
    for parser in (parse_uri, NameAddr.parse, parse_name_addr_list):
        with contextlib.suppress(ParseError):
            parser(text)
