from __future__ import annotations

import dataclasses
import hashlib

import pytest

from softswitch.storage.fields import (
    FieldKind,
    parse_bool,
    record_specs,
    record_to_row,
    record_values_from_row,
)
from softswitch.storage.records import (
    AorRecord,
    AuthRecord,
    ContactRecord,
    DomainAliasRecord,
    EndpointRecord,
    IdentifyRecord,
    ImportSummary,
    RegistrationRecord,
    TransportRecord,
    contact_id,
)

ALL_RECORDS = (
    EndpointRecord,
    AuthRecord,
    AorRecord,
    ContactRecord,
    IdentifyRecord,
    RegistrationRecord,
    TransportRecord,
    DomainAliasRecord,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("YES", True),
        ("1", True),
        ("true", True),
        ("On", True),
        (" yes ", True),
        ("no", False),
        ("0", False),
        ("FALSE", False),
        ("off", False),
    ],
)
def test_parse_bool_accepts_asterisk_spellings(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["", "y", "maybe", "2", "enabled"])
def test_parse_bool_rejects_other_words(text: str) -> None:
    with pytest.raises(ValueError, match="expected yes/no"):
        parse_bool(text)


def test_contact_id_is_asterisks_scheme() -> None:
    uri = "sip:101@192.0.2.10:5060;transport=udp"
    assert contact_id("101", uri) == "101;@" + hashlib.md5(uri.encode()).hexdigest()


def test_defaults_are_asterisks() -> None:
    endpoint = EndpointRecord(id="x")
    assert endpoint.context == "default"
    assert endpoint.dtmf_mode == "rfc4733"
    assert endpoint.identify_by == ("username", "ip")
    assert endpoint.force_rport is True
    assert endpoint.rtp_symmetric is False
    assert endpoint.rel_100 == "yes"
    assert endpoint.moh_suggest == "default"
    aor = AorRecord(id="x")
    assert (aor.max_contacts, aor.default_expiration, aor.minimum_expiration) == (0, 3600, 60)
    assert (aor.maximum_expiration, aor.qualify_frequency, aor.qualify_timeout) == (7200, 0, 3.0)
    assert AuthRecord(id="x").nonce_lifetime == 32
    registration = RegistrationRecord(id="r", server_uri="sip:a", client_uri="sip:b@a")
    assert (registration.expiration, registration.retry_interval) == (3600, 60)
    assert (registration.max_retries, registration.auth_rejection_permanent) == (10, True)


def test_records_are_frozen_and_keyword_only() -> None:
    endpoint = EndpointRecord(id="x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        endpoint.context = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        EndpointRecord("x")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: EndpointRecord(id=""), r"EndpointRecord\.id: must not be empty"),
        (lambda: EndpointRecord(id="x", dtmf_mode="morse"), r"dtmf_mode: 'morse' is not one"),
        (lambda: EndpointRecord(id="x", identify_by=("ip", "smell")), r"identify_by: 'smell'"),
        (lambda: EndpointRecord(id="x", aors=("a,b",)), r"aors: list item 'a,b' contains"),
        (lambda: EndpointRecord(id="x", allow=("",)), r"allow: bad list item ''"),
        (lambda: AorRecord(id="x", max_contacts=-1), r"max_contacts: must not be negative"),
        (
            lambda: ContactRecord(id="c", aor="a", uri="sip:x", expiration_time=1, status="Up"),
            r"status: 'Up' is not one of Reachable, Unreachable, Unknown",
        ),
        (lambda: TransportRecord(id="t", protocol="sctp"), r"protocol: 'sctp'"),
        (lambda: DomainAliasRecord(id="a", domain=""), r"domain: must not be empty"),
    ],
)
def test_records_refuse_bad_values(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


def test_option_names_follow_asterisk() -> None:
    endpoint_options = {spec.option for spec in record_specs(EndpointRecord)}
    assert "100rel" in endpoint_options
    assert "rel_100" not in endpoint_options
    assert "contact" in {spec.option for spec in record_specs(AorRecord)}


def test_row_round_trip_keeps_every_field() -> None:
    endpoint = EndpointRecord(
        id="101",
        aors=("101", "101-mobile"),
        allow=("ulaw", "alaw"),
        disallow=("all",),
        identify_by=(),
        set_var=("A=1,2", "B=x"),
        rtp_symmetric=True,
        rel_100="required",
        callerid='"Ann" <101>',
    )
    row = record_to_row(endpoint)
    assert row["100rel"] == "required"
    assert row["aors"] == "101,101-mobile"
    assert row["set_var"] == "A=1,2;B=x"
    assert row["rtp_symmetric"] == "yes"
    assert row["identify_by"] == ""
    values, problems = record_values_from_row(EndpointRecord, row)
    assert problems == []
    assert EndpointRecord(**values) == endpoint


@pytest.mark.parametrize("cls", ALL_RECORDS)
def test_null_columns_mean_defaults(cls: type) -> None:
    specs = record_specs(cls)
    required = {
        spec.name: ("1" if spec.kind is FieldKind.TEXT else 1) for spec in specs if spec.required
    }
    row: dict[str, object] = {spec.option: None for spec in specs}
    row.update({_option(cls, name): value for name, value in required.items()})
    values, problems = record_values_from_row(cls, row)
    assert problems == []
    assert cls(**values) == cls(**required)


def _option(cls: type, name: str) -> str:
    return next(spec.option for spec in record_specs(cls) if spec.name == name)


def test_bad_cell_falls_back_to_default_and_is_reported() -> None:
    row = {"id": "101", "rtp_symmetric": "perhaps", "dtmf_mode": "INFO", "max_contacts": None}
    values, problems = record_values_from_row(EndpointRecord, row)
    endpoint = EndpointRecord(**values)
    assert endpoint.rtp_symmetric is False
    assert endpoint.dtmf_mode == "info"
    assert problems == [
        "column rtp_symmetric: expected yes/no, true/false, on/off or 1/0, got 'perhaps';"
        " using the default"
    ]


def test_missing_required_column_raises() -> None:
    with pytest.raises(ValueError, match="column uri: missing"):
        record_values_from_row(ContactRecord, {"id": "c", "aor": "a", "expiration_time": 5})


def test_summary_reads_like_a_sentence() -> None:
    summary = ImportSummary(endpoints=5, auths=5, aors=6, identifies=1, registrations=1)
    assert str(summary) == "5 endpoints, 5 auths, 6 aors, 1 identify, 1 registration imported"
    assert str(ImportSummary(identifies=2, domain_aliases=1, replaced=3)) == (
        "2 identifies, 1 domain alias imported (3 replaced)"
    )
    assert str(ImportSummary()) == "nothing imported"
