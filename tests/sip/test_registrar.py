from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sip.message import Request, parse_message
from sip.registrar import (
    AorPolicy,
    Binding,
    ContactView,
    RegisterDecision,
    RegisterRequestView,
    apply_register,
    contact_header_values,
)

NOW = 1_700_000_000.0
POLICY = AorPolicy(max_contacts=5, remove_existing=False)
INSTANCE = "<urn:uuid:00000000-0000-1000-8000-000a95a0e128>"


def uri_of(host: int) -> str:
    return f"sip:alice@192.0.2.{host}:5060"


def contact(
    host: int = 1,
    *,
    expires: int | None = None,
    instance: str | None = None,
    reg_id: str | None = None,
) -> ContactView:
    text = f"<{uri_of(host)}>"
    if instance is not None:
        text += f';+sip.instance="{instance}"'
    if reg_id is not None:
        text += f";reg-id={reg_id}"
    return ContactView(
        contact=text, uri=uri_of(host), expires=expires, instance=instance, reg_id=reg_id
    )


def register(
    *contacts: ContactView,
    call_id: str = "call-a",
    cseq: int = 10,
    expires: int | None = None,
    star: bool = False,
) -> RegisterRequestView:
    return RegisterRequestView(
        call_id=call_id,
        cseq=cseq,
        contacts=contacts,
        star=star,
        expires=expires,
        user_agent="Phone/1.0",
        path=("<sip:edge.example.com;lr>",),
    )


def binding(
    host: int = 1,
    *,
    remaining: float = 1800,
    call_id: str = "call-a",
    cseq: int = 5,
    instance: str | None = None,
    reg_id: str | None = None,
) -> Binding:
    return Binding(
        uri=uri_of(host),
        contact=contact(host, instance=instance, reg_id=reg_id).contact,
        expires_at=NOW + remaining,
        call_id=call_id,
        cseq=cseq,
        instance=instance,
        reg_id=reg_id,
    )


def decide(
    view: RegisterRequestView,
    *existing: Binding,
    policy: AorPolicy = POLICY,
    now: float = NOW,
) -> RegisterDecision:
    return apply_register(view, policy, existing, now=now)


def hosts(bindings: tuple[Binding, ...]) -> list[int]:
    return [int(b.uri.split(".")[-1].split(":")[0]) for b in bindings]


def granted(decision: RegisterDecision) -> list[float]:
    return [b.expires_at - NOW for b in decision.current]


# --------------------------------------------------------------------------- expiry


@pytest.mark.parametrize(
    ("param", "header", "policy", "expected"),
    [
        (None, None, POLICY, 3600),
        (None, 1800, POLICY, 1800),
        (None, 30, POLICY, 60),
        (30, 3600, POLICY, 60),
        (None, 100000, POLICY, 7200),
        (2**40, None, POLICY, 7200),
        (120, 3600, POLICY, 120),
        (3600, 30, POLICY, 3600),
        (None, 60, POLICY, 60),
        (None, 7200, POLICY, 7200),
        (
            None,
            None,
            AorPolicy(max_contacts=1, remove_existing=False, maximum_expiration=1800),
            1800,
        ),
        (None, None, AorPolicy(max_contacts=1, remove_existing=False, default_expiration=10), 60),
        (None, 30, AorPolicy(max_contacts=1, remove_existing=False, minimum_expiration=20), 30),
    ],
)
def test_granted_expiry(
    param: int | None, header: int | None, policy: AorPolicy, expected: int
) -> None:
    decision = decide(register(contact(expires=param), expires=header), policy=policy)
    assert (decision.status, decision.reason) == (200, "OK")
    assert granted(decision) == [expected]
    assert contact_header_values(decision.current, now=NOW) == [f"<{uri_of(1)}>;expires={expected}"]


@pytest.mark.parametrize(("param", "header"), [(0, None), (0, 3600), (None, 0)])
def test_zero_expiry_removes_the_binding(param: int | None, header: int | None) -> None:
    existing = binding(1)
    other = binding(2)
    decision = decide(register(contact(1, expires=param), expires=header), existing, other)
    assert decision.status == 200
    assert decision.removed == (existing,)
    assert decision.current == (other,)
    assert decision.added == decision.updated == ()


def test_zero_expiry_for_an_unknown_contact_is_harmless() -> None:
    decision = decide(register(contact(9, expires=0)), binding(1))
    assert decision.status == 200
    assert hosts(decision.current) == [1]
    assert decision.removed == ()


STRICT = AorPolicy(max_contacts=5, remove_existing=False, strict_min_expires=True)


@pytest.mark.parametrize(("param", "header"), [(30, None), (None, 30), (1, 3600)])
def test_strict_policy_answers_423(param: int | None, header: int | None) -> None:
    existing = binding(1)
    decision = decide(register(contact(2, expires=param), expires=header), existing, policy=STRICT)
    assert (decision.status, decision.reason, decision.min_expires) == (
        423,
        "Interval Too Brief",
        60,
    )
    assert decision.current == (existing,)
    assert decision.added == decision.removed == ()


def test_strict_policy_one_brief_contact_refuses_the_whole_request() -> None:
    decision = decide(register(contact(1), contact(2, expires=10)), policy=STRICT)
    assert decision.status == 423
    assert decision.current == ()


@pytest.mark.parametrize(("param", "header"), [(0, None), (None, 0), (60, None), (None, None)])
def test_strict_policy_accepts_zero_and_minimum(param: int | None, header: int | None) -> None:
    decision = decide(register(contact(1, expires=param), expires=header), policy=STRICT)
    assert decision.status == 200


# --------------------------------------------------------------------------- add / update


def test_new_binding_records_the_request() -> None:
    view = register(contact(1, instance=INSTANCE, reg_id="1"), call_id="c-1", cseq=7)
    decision = decide(view)
    expected = Binding(
        uri=uri_of(1),
        contact=f'<{uri_of(1)}>;+sip.instance="{INSTANCE}";reg-id=1',
        expires_at=NOW + 3600,
        call_id="c-1",
        cseq=7,
        instance=INSTANCE,
        reg_id="1",
        user_agent="Phone/1.0",
        path=("<sip:edge.example.com;lr>",),
    )
    assert decision == RegisterDecision(
        status=200, reason="OK", added=(expected,), current=(expected,)
    )


def test_refresh_with_higher_cseq_updates() -> None:
    existing = binding(1, cseq=5)
    decision = decide(register(contact(1), cseq=6, expires=600), existing)
    assert decision.status == 200
    assert decision.added == decision.removed == ()
    assert len(decision.updated) == 1
    assert decision.updated[0].cseq == 6
    assert decision.current == decision.updated
    assert granted(decision) == [600]


def test_refresh_from_another_call_id_updates_whatever_the_cseq() -> None:
    existing = binding(1, call_id="before-reboot", cseq=500)
    decision = decide(register(contact(1), call_id="after-reboot", cseq=1), existing)
    assert decision.status == 200
    assert decision.updated[0].call_id == "after-reboot"


@pytest.mark.parametrize("cseq", [5, 4, 0])
@pytest.mark.parametrize("expires", [None, 0])
def test_same_call_id_without_higher_cseq_is_stale(cseq: int, expires: int | None) -> None:
    existing = binding(1, cseq=5)
    fresh = binding(2, call_id="other", cseq=1)
    decision = decide(register(contact(2), contact(1, expires=expires), cseq=cseq), fresh, existing)
    assert (decision.status, decision.reason) == (500, "Stale CSeq")
    assert decision.current == (fresh, existing)
    assert decision.added == decision.updated == decision.removed == ()


def test_two_contacts_in_one_request() -> None:
    decision = decide(register(contact(1, expires=120), contact(2)))
    assert decision.status == 200
    assert hosts(decision.added) == hosts(decision.current) == [1, 2]
    assert granted(decision) == [120, 3600]
    assert contact_header_values(decision.current, now=NOW) == [
        f"<{uri_of(1)}>;expires=120",
        f"<{uri_of(2)}>;expires=3600",
    ]


def test_one_request_can_add_update_and_remove() -> None:
    decision = decide(
        register(contact(1, expires=0), contact(2), contact(3), cseq=10),
        binding(1),
        binding(2),
    )
    assert decision.status == 200
    assert hosts(decision.removed) == [1]
    assert hosts(decision.updated) == [2]
    assert hosts(decision.added) == [3]
    assert hosts(decision.current) == [2, 3]


def test_a_uri_listed_twice_is_one_binding_the_last_wins() -> None:
    decision = decide(register(contact(1, expires=100), contact(2), contact(1, expires=200)))
    assert hosts(decision.current) == [1, 2]
    assert granted(decision) == [200, 3600]


def test_query_lists_bindings_and_changes_nothing() -> None:
    existing = (binding(1), binding(2, remaining=10))
    decision = decide(register(), *existing)
    assert decision == RegisterDecision(status=200, reason="OK", current=existing)
    assert contact_header_values(decision.current, now=NOW) == [
        f"<{uri_of(1)}>;expires=1800",
        f"<{uri_of(2)}>;expires=10",
    ]


def test_query_of_an_empty_aor() -> None:
    assert decide(register()) == RegisterDecision(status=200, reason="OK")


# --------------------------------------------------------------------------- expiry by time


def test_expired_bindings_are_dropped_and_reported() -> None:
    gone = binding(1, remaining=-5)
    at_the_instant = binding(2, remaining=0)
    alive = binding(3, remaining=0.5)
    decision = decide(register(), gone, at_the_instant, alive)
    assert decision.status == 200
    assert decision.removed == (gone, at_the_instant)
    assert decision.current == (alive,)
    assert contact_header_values(decision.current, now=NOW) == [f"<{uri_of(3)}>;expires=1"]


def test_expired_bindings_are_reported_even_when_refused() -> None:
    gone = binding(1, remaining=-5)
    alive = binding(2)
    policy = AorPolicy(max_contacts=1, remove_existing=False)
    decision = decide(register(contact(3)), gone, alive, policy=policy)
    assert decision.status == 403
    assert decision.removed == (gone,)
    assert decision.current == (alive,)


def test_expired_binding_does_not_count_against_max_contacts() -> None:
    policy = AorPolicy(max_contacts=1, remove_existing=False)
    decision = decide(register(contact(2)), binding(1, remaining=-1), policy=policy)
    assert decision.status == 200
    assert hosts(decision.current) == [2]


def test_expired_binding_with_same_uri_is_re_added() -> None:
    old = binding(1, remaining=-1, cseq=50)
    decision = decide(register(contact(1), cseq=3), old)
    assert decision.status == 200
    assert decision.removed == (old,)
    assert hosts(decision.added) == [1]


# --------------------------------------------------------------------------- Contact: *


def test_star_with_expires_zero_removes_everything() -> None:
    existing = (binding(1, call_id="other", cseq=99), binding(2, cseq=9), binding(3, remaining=-1))
    decision = decide(register(star=True, expires=0, cseq=10), *existing)
    assert (decision.status, decision.reason) == (200, "OK")
    assert decision.current == ()
    assert hosts(decision.removed) == [3, 1, 2]


@pytest.mark.parametrize(
    "view",
    [
        register(star=True, expires=None),
        register(star=True, expires=3600),
        register(contact(1), star=True, expires=0),
    ],
)
def test_star_misused_is_400(view: RegisterRequestView) -> None:
    existing = binding(1)
    decision = decide(view, existing)
    assert (decision.status, decision.reason) == (
        400,
        "Contact * needs Expires: 0 and no other Contact",
    )
    assert decision.current == (existing,)


def test_star_with_stale_cseq_aborts() -> None:
    existing = (binding(1, call_id="other"), binding(2, cseq=10))
    decision = decide(register(star=True, expires=0, cseq=10), *existing)
    assert (decision.status, decision.reason) == (500, "Stale CSeq")
    assert decision.current == existing
    assert decision.removed == ()


def test_star_on_an_empty_aor() -> None:
    assert decide(register(star=True, expires=0)) == RegisterDecision(status=200, reason="OK")


# --------------------------------------------------------------------------- max_contacts


def test_max_contacts_zero_refuses_everything() -> None:
    policy = AorPolicy(max_contacts=0, remove_existing=True)
    for view in (register(contact(1)), register(), register(star=True, expires=0)):
        decision = decide(view, policy=policy)
        assert (decision.status, decision.reason) == (403, "Registration not allowed")
        assert decision.current == ()


ONE_KEEP = AorPolicy(max_contacts=1, remove_existing=False)
ONE_REPLACE = AorPolicy(max_contacts=1, remove_existing=True)


def test_max_contacts_one_without_remove_existing_refuses_a_second() -> None:
    existing = binding(1)
    decision = decide(register(contact(2)), existing, policy=ONE_KEEP)
    assert (decision.status, decision.reason) == (403, "Too many contacts")
    assert decision.current == (existing,)
    assert decision.added == decision.removed == ()


def test_max_contacts_one_without_remove_existing_allows_a_refresh() -> None:
    decision = decide(register(contact(1), cseq=6), binding(1), policy=ONE_KEEP)
    assert decision.status == 200
    assert hosts(decision.updated) == [1]


def test_max_contacts_one_without_remove_existing_allows_a_swap_in_one_request() -> None:
    decision = decide(register(contact(1, expires=0), contact(2)), binding(1), policy=ONE_KEEP)
    assert decision.status == 200
    assert hosts(decision.current) == [2]


def test_max_contacts_one_with_remove_existing_replaces() -> None:
    existing = binding(1)
    decision = decide(register(contact(2)), existing, policy=ONE_REPLACE)
    assert decision.status == 200
    assert decision.removed == (existing,)
    assert hosts(decision.added) == hosts(decision.current) == [2]


def test_remove_existing_drops_the_soonest_to_expire() -> None:
    policy = AorPolicy(max_contacts=2, remove_existing=True)
    later, sooner = binding(1, remaining=3000), binding(2, remaining=100)
    decision = decide(register(contact(3)), later, sooner, policy=policy)
    assert decision.status == 200
    assert decision.removed == (sooner,)
    assert hosts(decision.current) == [1, 3]


def test_remove_existing_on_a_tie_drops_the_earlier_registered() -> None:
    policy = AorPolicy(max_contacts=2, remove_existing=True)
    decision = decide(register(contact(3)), binding(1), binding(2), policy=policy)
    assert hosts(decision.removed) == [1]


def test_remove_existing_spares_bindings_this_request_refreshed() -> None:
    policy = AorPolicy(max_contacts=2, remove_existing=True)
    refreshed, untouched = binding(1, remaining=10), binding(2, remaining=3000)
    decision = decide(register(contact(1), contact(3)), refreshed, untouched, policy=policy)
    assert decision.status == 200
    assert decision.removed == (untouched,)
    assert hosts(decision.current) == [1, 3]


def test_remove_existing_cannot_fit_more_contacts_than_allowed() -> None:
    decision = decide(register(contact(1), contact(2)), binding(3), policy=ONE_REPLACE)
    assert (decision.status, decision.reason) == (403, "Too many contacts")
    assert hosts(decision.current) == [3]


def test_too_many_contacts_in_one_request_without_existing() -> None:
    decision = decide(register(contact(1), contact(2)), policy=ONE_KEEP)
    assert decision.status == 403


def test_over_full_aor_still_accepts_refreshes_and_removals() -> None:
    # The limit was lowered after these registered; refreshing must keep working.
    existing = (binding(1), binding(2), binding(3))
    decision = decide(register(contact(2), contact(3, expires=0)), *existing, policy=ONE_KEEP)
    assert decision.status == 200
    assert hosts(decision.current) == [1, 2]


# --------------------------------------------------------------------------- instance ids


def test_same_instance_with_a_new_uri_replaces_the_binding() -> None:
    old = binding(1, instance=INSTANCE, reg_id="1", call_id="old-call", cseq=40)
    other = binding(5)
    view = register(contact(2, instance=INSTANCE, reg_id="1"), call_id="new-call", cseq=1)
    decision = decide(view, old, other)
    assert decision.status == 200
    assert decision.removed == (old,)
    assert hosts(decision.added) == [2]
    assert hosts(decision.current) == [2, 5]


def test_same_instance_replacement_does_not_count_as_growth() -> None:
    old = binding(1, instance=INSTANCE)
    decision = decide(register(contact(2, instance=INSTANCE), call_id="x"), old, policy=ONE_KEEP)
    assert decision.status == 200
    assert hosts(decision.current) == [2]


def test_same_instance_other_reg_id_is_another_flow() -> None:
    old = binding(1, instance=INSTANCE, reg_id="1")
    decision = decide(register(contact(2, instance=INSTANCE, reg_id="2")), old)
    assert decision.removed == ()
    assert hosts(decision.current) == [1, 2]


def test_instance_removal_with_a_new_uri() -> None:
    old = binding(1, instance=INSTANCE)
    decision = decide(register(contact(2, instance=INSTANCE, expires=0), call_id="x"), old)
    assert decision.status == 200
    assert decision.removed == (old,)
    assert decision.current == ()


def test_instance_match_obeys_the_cseq_rule() -> None:
    old = binding(1, instance=INSTANCE, cseq=20)
    decision = decide(register(contact(2, instance=INSTANCE), cseq=20), old)
    assert decision.status == 500


def test_contacts_without_instance_never_match_by_instance() -> None:
    decision = decide(register(contact(2)), binding(1))
    assert hosts(decision.current) == [1, 2]


# --------------------------------------------------------------------------- 200 Contact list


def test_contact_values_keep_params_and_show_remaining_time() -> None:
    decision = decide(register(contact(1, instance=INSTANCE, reg_id="1", expires=600)))
    later = NOW + 100
    assert contact_header_values(decision.current, now=later) == [
        f'<{uri_of(1)}>;+sip.instance="{INSTANCE}";reg-id=1;expires=500'
    ]


def test_contact_values_round_to_the_nearest_second() -> None:
    now = 1_700_000_000.1
    decision = apply_register(register(contact(1)), POLICY, (), now=now)
    # The 200 is usually built a fraction of a second after the decision.
    assert contact_header_values(decision.current, now=now + 0.4) == [f"<{uri_of(1)}>;expires=3600"]
    assert contact_header_values(decision.current, now=now + 0.6) == [f"<{uri_of(1)}>;expires=3599"]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_contacts": -1}, "max_contacts must not be negative"),
        ({"minimum_expiration": 0}, "expected 1 <= minimum_expiration <= maximum_expiration"),
        ({"minimum_expiration": 100, "maximum_expiration": 50}, "got 100 and 50"),
        ({"default_expiration": 0}, "default_expiration must be positive"),
    ],
)
def test_policy_validation(kwargs: dict[str, int], message: str) -> None:
    fields: dict[str, int | bool] = {"max_contacts": 1, "remove_existing": False}
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        AorPolicy(**fields)  # type: ignore[arg-type]


def test_view_validation() -> None:
    with pytest.raises(ValueError, match="cseq must not be negative"):
        RegisterRequestView(call_id="c", cseq=-1)
    with pytest.raises(ValueError, match="expires must not be negative"):
        RegisterRequestView(call_id="c", cseq=1, expires=-1)
    with pytest.raises(ValueError, match="expires must not be negative"):
        ContactView(contact="<sip:a@b>", uri="sip:a@b", expires=-5)


# --------------------------------------------------------------------------- properties

contact_views = st.builds(
    contact,
    host=st.integers(1, 6),
    expires=st.none() | st.sampled_from([0, 0, 1, 30, 60, 600, 3600, 100_000]),
    instance=st.none() | st.sampled_from(["<urn:uuid:1>", "<urn:uuid:2>"]),
    reg_id=st.none() | st.sampled_from(["1", "2"]),
)


@st.composite
def requests(draw: st.DrawFn) -> RegisterRequestView:
    return RegisterRequestView(
        call_id=draw(st.sampled_from(["call-a", "call-b", "call-c"])),
        cseq=draw(st.integers(0, 30)),
        contacts=tuple(draw(st.lists(contact_views, max_size=4))),
        star=draw(st.integers(0, 4)) == 0,
        expires=draw(st.none() | st.sampled_from([0, 30, 3600, 100_000])),
    )


policies = st.builds(
    AorPolicy,
    max_contacts=st.sampled_from([0, 1, 1, 2, 3]),
    remove_existing=st.booleans(),
    default_expiration=st.sampled_from([60, 3600]),
    minimum_expiration=st.sampled_from([1, 60]),
    maximum_expiration=st.sampled_from([300, 7200]),
    strict_min_expires=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(policies, st.lists(st.tuples(st.floats(0, 5000), requests()), max_size=12))
def test_bindings_stay_within_limits(
    policy: AorPolicy, steps: list[tuple[float, RegisterRequestView]]
) -> None:
    now = NOW
    stored: tuple[Binding, ...] = ()
    for advance, view in steps:
        now += advance
        decision = apply_register(view, policy, stored, now=now)
        assert decision.status in {200, 400, 403, 423, 500}
        assert len(decision.current) <= policy.max_contacts
        assert all(b.expires_at > now for b in decision.current)
        assert len({b.uri for b in decision.current}) == len(decision.current)
        for fresh in decision.added + decision.updated:
            assert policy.minimum_expiration <= fresh.expires_at - now
            assert fresh.expires_at - now <= policy.maximum_expiration
        # Applying the reported changes to what was stored gives exactly ``current``.
        after = {b.uri for b in stored} - {b.uri for b in decision.removed}
        after |= {b.uri for b in decision.added}
        assert after == {b.uri for b in decision.current}
        assert set(decision.updated) <= set(decision.current)
        if decision.status != 200:
            assert decision.added == decision.updated == ()
            assert decision.current == tuple(b for b in stored if b.expires_at > now)
        stored = decision.current


# --------------------------------------------------------------------------- from a message


def parse_register(*headers: str) -> Request:
    lines = [
        "REGISTER sip:example.com SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1;rport",
        "Max-Forwards: 70",
        "From: <sip:alice@example.com>;tag=a1",
        "To: <sip:alice@example.com>",
        "Call-ID: reg-1@192.0.2.1",
        "CSeq: 42 REGISTER",
        *headers,
        "Content-Length: 0",
    ]
    message = parse_message(("\r\n".join(lines) + "\r\n\r\n").encode())
    assert isinstance(message, Request)
    return message


def test_view_from_request() -> None:
    request = parse_register(
        f'Contact: "Alice" <sip:alice@192.0.2.1:5060;transport=udp>;expires=120;'
        f'+sip.instance="{INSTANCE}";reg-id=1;ob',
        "Contact: <sip:alice@[2001:db8::1]:5062>",
        "Expires: 600",
        "User-Agent: Phone/1.0",
        "Path: <sip:edge1.example.com;lr>, <sip:edge2.example.com;lr>",
    )
    view = RegisterRequestView.from_request(request)
    assert view == RegisterRequestView(
        call_id="reg-1@192.0.2.1",
        cseq=42,
        contacts=(
            ContactView(
                contact=f'"Alice" <sip:alice@192.0.2.1:5060;transport=udp>;'
                f'+sip.instance="{INSTANCE}";reg-id=1;ob',
                uri="sip:alice@192.0.2.1:5060;transport=udp",
                expires=120,
                instance=INSTANCE,
                reg_id="1",
            ),
            ContactView(
                contact="<sip:alice@[2001:db8::1]:5062>", uri="sip:alice@[2001:db8::1]:5062"
            ),
        ),
        expires=600,
        user_agent="Phone/1.0",
        path=("<sip:edge1.example.com;lr>", "<sip:edge2.example.com;lr>"),
    )


def test_view_from_star_request() -> None:
    view = RegisterRequestView.from_request(parse_register("Contact: *", "Expires: 0"))
    assert (view.star, view.contacts, view.expires) == (True, (), 0)


def test_view_from_query_request() -> None:
    view = RegisterRequestView.from_request(parse_register())
    assert (view.star, view.contacts, view.expires, view.user_agent, view.path) == (
        False,
        (),
        None,
        None,
        (),
    )


def test_view_normalises_the_binding_key() -> None:
    first = RegisterRequestView.from_request(parse_register("Contact: <SIP:alice@Phone.EXAMPLE>"))
    second = RegisterRequestView.from_request(parse_register("m: sip:alice@phone.example"))
    assert first.contacts[0].uri == second.contacts[0].uri == "sip:alice@phone.example"


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ("expires=0", 0),
        ("expires=3600", 3600),
        ("expires=99999999999", 2**32 - 1),
        ("expires=" + "9" * 40, 2**32 - 1),
        ("expires=soon", None),
        ("expires", None),
        ("expires=-1", None),
    ],
)
def test_view_expires_param(param: str, expected: int | None) -> None:
    request = parse_register(f"Contact: <sip:alice@192.0.2.1>;{param}")
    view = RegisterRequestView.from_request(request)
    assert view.contacts[0].expires == expected
    assert view.contacts[0].contact == "<sip:alice@192.0.2.1>"


def test_view_accepts_unquoted_instance() -> None:
    request = parse_register("Contact: <sip:alice@192.0.2.1>;+sip.instance=abc")
    assert RegisterRequestView.from_request(request).contacts[0].instance == "abc"


def test_register_end_to_end_from_message() -> None:
    request = parse_register(
        f'Contact: <sip:alice@192.0.2.1:5060>;+sip.instance="{INSTANCE}";reg-id=1',
        "Expires: 30",
    )
    decision = apply_register(RegisterRequestView.from_request(request), POLICY, (), now=NOW)
    assert decision.status == 200
    assert contact_header_values(decision.current, now=NOW) == [
        f'<sip:alice@192.0.2.1:5060>;+sip.instance="{INSTANCE}";reg-id=1;expires=60'
    ]
