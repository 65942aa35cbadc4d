from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.asterisk_conf import AsteriskConfError, parse_conf
from softswitch.pjsip_import import (
    PjsipImportError,
    is_pjsip_conf,
    load_pjsip_conf,
    pjsip_objects,
)
from softswitch.storage import (
    AorRecord,
    AuthRecord,
    EndpointRecord,
    IdentifyRecord,
    PjsipObjects,
    RegistrationRecord,
    TransportRecord,
)

DEMO = Path(__file__).resolve().parent.parent / "conf" / "pjsip.conf"


def _objects(text: str) -> PjsipObjects:
    return pjsip_objects(parse_conf(text, filename="pjsip.conf"))


def test_demo_configuration() -> None:
    objects = load_pjsip_conf(DEMO)
    assert objects.warnings == ()
    assert objects.default_realm is None
    assert [e.id for e in objects.endpoints] == ["101", "102", "103", "104", "105", "trunk-demo"]
    assert [a.id for a in objects.auths] == ["101", "102", "103", "104", "105"]
    assert [a.id for a in objects.aors] == ["101", "102", "103", "104", "105", "trunk-demo"]
    assert objects.identifies == (
        IdentifyRecord(id="trunk-demo", endpoint="trunk-demo", match=("127.0.0.2",)),
    )
    assert objects.registrations == ()
    assert objects.transports == (
        TransportRecord(id="transport-udp", protocol="udp", bind="0.0.0.0:5060"),
        TransportRecord(id="transport-tcp", protocol="tcp", bind="0.0.0.0:5060"),
    )
    assert objects.endpoints[0] == EndpointRecord(
        id="101",
        aors=("101",),
        auth="101",
        context="internal",
        disallow=("all",),
        allow=("ulaw", "alaw"),
        rtp_symmetric=True,
        force_rport=True,
        rewrite_contact=True,
        callerid='"Reception" <101>',
    )
    for number, auth in zip(range(101, 106), objects.auths, strict=True):
        assert auth == AuthRecord(
            id=str(number), auth_type="userpass", username=str(number), password=f"{number}pass"
        )
    for number, aor in zip(range(101, 106), objects.aors[:5], strict=True):
        assert aor == AorRecord(
            id=str(number), max_contacts=2, remove_existing=True, qualify_frequency=60
        )
    trunk = objects.endpoints[-1]
    assert (trunk.context, trunk.aors, trunk.auth, trunk.allow) == (
        "from-trunk",
        ("trunk-demo",),
        None,
        ("ulaw", "alaw"),
    )
    assert objects.aors[-1] == AorRecord(id="trunk-demo", contacts=("sip:127.0.0.1:5080",))


def test_options_of_every_type() -> None:
    objects = _objects(
        "[global]\ntype = global\ndefault_realm = pbx.example\nuser_agent = x\n"
        "[system]\ntype = system\ntimer_t1 = 500\n"
        "[t]\ntype=transport\nprotocol=TCP\nbind=0.0.0.0:5070\nlocal_net=10.0.0.0/8\n"
        "local_net=192.168.0.0/16\nexternal_signaling_address=203.0.113.1\n"
        "[101]\ntype=endpoint\ntransport=t\naors=101,101-desk\naors=101-soft\nauth=101\n"
        "outbound_auth=out\ndisallow=all\nallow=ulaw\nallow=alaw,g722\ndtmf_mode=INFO\n"
        "100rel=required\ncallerid=Ann <101>\nsend_pai=yes\nsend_rpid=1\ntrust_id_inbound=on\n"
        "moh_suggest=jazz\nidentify_by=username\nset_var=A=1,2\nset_var=B=3\n"
        "sip_domain=acme.example\nrtp_timeout=30\n"
        "[101]\ntype=auth\nauth_type=md5\nusername=ann\nmd5_cred=0123456789abcdef0123456789abcdef\n"
        "realm=pbx\n"
        "[out]\ntype=auth\nauth_type=digest\nusername=acct\npassword=pw\n"
        "[101]\ntype=aor\nmax_contacts=3\nremove_existing=true\ncontact=sip:a@192.0.2.1\n"
        "contact=sip:b@192.0.2.2,sip:c@192.0.2.3\nqualify_timeout=1.5\n"
        "[101-desk]\ntype=aor\n"
        "[101-soft]\ntype=aor\n"
        "[trunk]\ntype=identify\nendpoint=101\nmatch=192.0.2.0/24, 198.51.100.7:5060\n"
        "match=sip.example\n"
        "[reg]\ntype=registration\nserver_uri=sip:sip.example\nclient_uri=sip:acct@sip.example\n"
        "contact_user=in\noutbound_auth=out\nexpiration=600\nretry_interval=30\nmax_retries=5\n"
        "line=yes\nendpoint=101\n"
        "[alias.example]\ntype=domain_alias\ndomain=acme.example\n"
    )
    assert objects.warnings == ()
    assert objects.default_realm == "pbx.example"
    (endpoint,) = objects.endpoints
    assert endpoint.aors == ("101", "101-desk", "101-soft")
    assert (endpoint.disallow, endpoint.allow) == (("all",), ("ulaw", "alaw", "g722"))
    assert (endpoint.dtmf_mode, endpoint.rel_100, endpoint.callerid) == (
        "info",
        "required",
        "Ann <101>",
    )
    assert (endpoint.send_pai, endpoint.send_rpid, endpoint.trust_id_inbound) == (True,) * 3
    assert (endpoint.moh_suggest, endpoint.identify_by) == ("jazz", ("username",))
    assert endpoint.set_var == ("A=1,2", "B=3")
    assert (endpoint.sip_domain, endpoint.rtp_timeout, endpoint.transport) == (
        "acme.example",
        30,
        "t",
    )
    assert objects.auths[0].auth_type == "md5" and objects.auths[0].realm == "pbx"
    assert objects.aors[0] == AorRecord(
        id="101",
        max_contacts=3,
        remove_existing=True,
        contacts=("sip:a@192.0.2.1", "sip:b@192.0.2.2", "sip:c@192.0.2.3"),
        qualify_timeout=1.5,
    )
    assert objects.identifies[0].match == ("192.0.2.0/24", "198.51.100.7:5060", "sip.example")
    assert objects.registrations == (
        RegistrationRecord(
            id="reg",
            server_uri="sip:sip.example",
            client_uri="sip:acct@sip.example",
            contact_user="in",
            outbound_auth="out",
            expiration=600,
            retry_interval=30,
            max_retries=5,
            line=True,
            endpoint="101",
        ),
    )
    assert objects.transports[0].protocol == "tcp"
    assert objects.transports[0].local_net == ("10.0.0.0/8", "192.168.0.0/16")
    assert objects.domain_aliases[0].domain == "acme.example"


def test_templates_are_skipped_and_lists_accumulate_through_them() -> None:
    objects = _objects(
        "[codecs](!)\ntype=endpoint\ndisallow=all\nallow=ulaw\n"
        "[101](codecs)\nallow=alaw\nallow=ulaw\n"
    )
    assert [e.id for e in objects.endpoints] == ["101"]
    assert objects.endpoints[0].allow == ("ulaw", "alaw")


def test_unknown_options_and_dangling_references_are_warnings() -> None:
    objects = _objects(
        "[101]\ntype=endpoint\nice_support=yes\naors=101\nauth=nope\n"
        "[101]\ntype=aor\nmax_contacts=1\nvoicemail=1\n"
        "[id]\ntype=identify\nendpoint=ghost\nmatch=192.0.2.1\n"
        "[reg]\ntype=registration\nserver_uri=sip:a\nclient_uri=sip:b@a\noutbound_auth=x\n"
        "[pp]\ntype=phoneprov\nMAC=deadbeef\n"
    )
    assert objects.warnings == (
        "pjsip.conf:3: unknown option 'ice_support' for endpoint '101'",
        "pjsip.conf:9: unknown option 'voicemail' for aor '101'",
        "pjsip.conf:19: section 'pp' of type 'phoneprov' is not supported; skipped",
        "pjsip.conf:1: endpoint '101' refers to auth 'nope' (auth=), which this file does not"
        " define",
        "pjsip.conf:10: identify 'id' refers to endpoint 'ghost' (endpoint=), which this file"
        " does not define",
        "pjsip.conf:14: registration 'reg' refers to auth 'x' (outbound_auth=), which this file"
        " does not define",
    )
    assert len(objects.endpoints) == 1 and len(objects.aors) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[a]\nallow=ulaw\n", "pjsip.conf:1: section 'a' has no type="),
        ("[a]\ntype=peer\n", "pjsip.conf:2: section 'a' has unknown type 'peer'"),
        (
            "[a]\ntype=aor\nmax_contacts=two\n",
            "pjsip.conf:3: aor 'a': bad value for 'max_contacts': expected an integer, got 'two'",
        ),
        (
            "[a]\ntype=aor\nmax_contacts=-1\n",
            "pjsip.conf:3: aor 'a': bad value for 'max_contacts': must not be negative",
        ),
        (
            "[a]\ntype=aor\nqualify_timeout=soon\n",
            "pjsip.conf:3: aor 'a': bad value for 'qualify_timeout': expected a number",
        ),
        (
            "[a]\ntype=endpoint\nrtp_symmetric=perhaps\n",
            "pjsip.conf:3: endpoint 'a': bad value for 'rtp_symmetric': expected yes/no",
        ),
        (
            "[a]\ntype=endpoint\ndtmf_mode=morse\n",
            "pjsip.conf:3: endpoint 'a': bad value for 'dtmf_mode': expected one of rfc4733",
        ),
        (
            "[a]\ntype=endpoint\nidentify_by=username,smell\n",
            "pjsip.conf:3: endpoint 'a': bad value for 'identify_by': expected one of",
        ),
        ("[a]\ntype=identify\nmatch=192.0.2.1\n", "pjsip.conf:1: identify 'a' needs endpoint="),
        (
            "[r]\ntype=registration\nserver_uri=sip:a\n",
            "pjsip.conf:1: registration 'r' needs client_uri=",
        ),
        (
            "[r]\ntype=registration\nserver_uri=\nclient_uri=sip:b@a\n",
            "pjsip.conf:3: registration 'r': bad value for 'server_uri': must not be empty",
        ),
        ("[d]\ntype=domain_alias\n", "pjsip.conf:1: domain_alias 'd' needs domain="),
        (
            "[a]\ntype=auth\nauth_type=md5\nusername=a\n",
            "pjsip.conf:1: auth 'a' has auth_type=md5 but no md5_cred=",
        ),
        (
            "[a]\ntype=aor\n[b]\ntype=aor\n[a]\ntype=aor\n",
            "pjsip.conf:5: aor 'a' is already defined at pjsip.conf:1",
        ),
    ],
)
def test_errors_name_file_line_and_option(text: str, message: str) -> None:
    with pytest.raises(PjsipImportError) as caught:
        _objects(text)
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, AsteriskConfError)


def test_error_in_an_inherited_option_points_at_the_template() -> None:
    with pytest.raises(PjsipImportError, match=r"^pjsip\.conf:3: endpoint '101': bad value"):
        _objects("[t](!)\ntype=endpoint\nforce_rport=sure\n[101](t)\n")


def test_is_pjsip_conf() -> None:
    assert is_pjsip_conf(parse_conf("[x]\ntype=endpoint\n"))
    assert is_pjsip_conf(parse_conf("[t](!)\ntype=aor\n"))
    assert not is_pjsip_conf(parse_conf("[general]\nenabled=yes\n[admin]\nsecret=x\n"))
    assert not is_pjsip_conf(parse_conf("[internal]\nexten => 100,1,Answer()\n"))
