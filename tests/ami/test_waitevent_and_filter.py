"""WaitEvent and Filter on a session, over a connection (TCP) and queued (HTTP)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from http_api.ami.event_filter import EventFilter, FilterError, FilterSet, Method, parse_filter
from http_api.ami.protocol import Event, Message
from http_api.ami.session import Session
from tests.ami.conftest import Harness

CONTACT_101 = Event(name="ContactStatus", classes=("system",), fields=(
    ("URI", "sip:101@127.0.0.1:5062"), ("ContactStatus", "Created"), ("AOR", "101")))
CONTACT_102 = Event(name="ContactStatus", classes=("system",), fields=(
    ("URI", "sip:102@127.0.0.1:5064"), ("ContactStatus", "Created"), ("AOR", "102")))
NEWEXTEN = Event(name="Newexten", classes=("dialplan",), fields=(
    ("Channel", "PJSIP/101-00000001"), ("Extension", "200"), ("Application", "Dial")))
HANGUP = Event(name="Hangup", classes=("call",), fields=(
    ("Channel", "PJSIP/101-00000001"), ("Cause", "16")))
ALL = (CONTACT_101, CONTACT_102, NEWEXTEN, HANGUP)


def _queued(ami: Harness, *, max_wait_s: float | None = None,
            queue_limit: int = 1000) -> Harness:
    """A harness whose session has no connection (as over HTTP): events wait in its queue."""
    old = ami.session
    session = Session(switch=old.switch, actions=old.actions, peer_host=old.peer_host,
                      throttle=old.throttle, booted=old.booted, write=None,
                      max_wait_s=max_wait_s, queue_limit=queue_limit)
    return Harness(session=session, written=ami.written)


def _names(messages: list[Message]) -> list[str | None]:
    return [message.get("Event") or message.get("Response") for message in messages]


# -- Filter --------------------------------------------------------------------------------


@pytest.mark.parametrize(("filters", "passed"), [
    ([], ALL),
    ([("Event: Newexten", None)], (NEWEXTEN,)),
    ([("!Event: Newexten", None)], (CONTACT_101, CONTACT_102, HANGUP)),
    ([("Event: ContactStatus", None), ("!AOR: 101", None)], (CONTACT_102,)),
    ([("AOR: 10[12]", None), ("Event: Hangup", None)], (CONTACT_101, CONTACT_102, HANGUP)),
    ([("", "name(Hangup)")], (HANGUP,)),
    ([("", "action(include), name(hangup)")], (HANGUP,)),
    ([("102", "name(ContactStatus),header(AOR),method(exact)")], (CONTACT_102,)),
    ([("PJSIP/", "action(exclude),header(Channel),method(starts_with)")],
     (CONTACT_101, CONTACT_102)),
    ([("5064", "header(URI),method(endsWith)")], (CONTACT_102,)),
    ([("Created", "method(contains)")], (CONTACT_101, CONTACT_102)),
    ([("^1\\d1$", "header(aor)")], (CONTACT_101,)),
    ([("dialplan", "header(Privilege),method(starts_with)")], (NEWEXTEN,)),
    ([("", "header(Cause)")], (HANGUP,)),
])
def test_filter_semantics(filters: list[tuple[str, str | None]],
                          passed: tuple[Event, ...]) -> None:
    chosen = FilterSet()
    for value, criteria in filters:
        chosen.add(parse_filter(value, criteria))
    assert tuple(event for event in ALL if chosen.allows(event)) == passed


@pytest.mark.parametrize(("value", "criteria", "error"), [
    ("Event: (", None, "Filter did not compile.  Check the syntax of the filter given."),
    ("x", "name(A),name(B)", "Filter was formatted incorrectly."),
    ("x", "colour(red)", "Filter was formatted incorrectly."),
    ("x", "action(maybe)", "Filter was formatted incorrectly."),
    ("x", "method(fuzzy)", "Filter was formatted incorrectly."),
    ("x", "name(A", "Filter was formatted incorrectly."),
    ("[", "method(regex)", "Filter did not compile."),
])
def test_filter_errors(value: str, criteria: str | None, error: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(value, criteria)
    assert str(caught.value).startswith(error)


def test_parsed_forms() -> None:
    assert parse_filter("!Channel: Local/").include is False
    advanced = parse_filter("Local/", "action(exclude),name(Newchannel),header(Channel),"
                                      "method(starts_with)")
    assert advanced == EventFilter(include=False, value="Local/", method=Method.STARTS_WITH,
                                   name="Newchannel", header="Channel")
    # The advanced form takes "!" literally: exclusion is action(exclude) there.
    assert parse_filter("!x", "header(Cause)").include is True


def test_filter_set_is_bounded() -> None:
    chosen = FilterSet(limit=2)
    chosen.add(parse_filter("a"))
    chosen.add(parse_filter("b"))
    with pytest.raises(FilterError, match="Too many filters"):
        chosen.add(parse_filter("c"))


async def test_filter_action_applies_to_its_session_only(ami: Harness) -> None:
    other = _queued(ami)
    await ami.login()
    await other.login()
    (reply,) = await ami.send(Action="Filter", Operation="Add", Filter="!Event: Newexten",
                              ActionID="f1")
    assert reply.pairs == (("Response", "Success"), ("ActionID", "f1"), ("Message", "Success"))
    ami.written.clear()
    for event in ALL:
        ami.session.deliver(event)
        other.session.deliver(event)
    assert _names(ami.events()) == ["ContactStatus", "ContactStatus", "Hangup"]
    assert len(other.session.queue) == 4


async def test_filter_action_errors(ami: Harness) -> None:
    await ami.login()
    (reply,) = await ami.send(Action="Filter", Operation="Remove", Filter="x")
    assert reply.get("Message") == "Unknown operation"
    (reply,) = await ami.send(Action="Filter", Operation="add", Filter="(")
    assert reply.get("Message") == "Filter did not compile.  Check the syntax of the filter given."
    viewer = _queued(ami)
    await viewer.login("viewer", "v")
    (reply,) = await viewer.send(Action="Filter", Operation="Add", Filter="x")
    assert reply.get("Message") == "Permission denied"


# -- WaitEvent -----------------------------------------------------------------------------


async def test_tcp_waitevent_waits_for_the_next_event_and_holds_it(ami: Harness) -> None:
    await ami.login()
    ami.written.clear()
    waiting = asyncio.create_task(ami.send(Action="WaitEvent", Timeout="5", ActionID="w"))
    await asyncio.sleep(0.01)
    assert ami.session.queue.waiting
    ami.session.deliver(CONTACT_101)
    reply = await asyncio.wait_for(waiting, 2)
    assert ami.written == []
    assert [message.pairs for message in reply] == [
        (("Response", "Success"), ("ActionID", "w"),
         ("Message", "Waiting for Event completed.")),
        (("Event", "ContactStatus"), ("Privilege", "system,all"), *CONTACT_101.fields),
        (("Event", "WaitEventComplete"), ("ActionID", "w")),
    ]
    # Done waiting: events are written to the connection again.
    ami.session.deliver(CONTACT_102)
    assert _names(ami.events()) == ["ContactStatus"]


async def test_tcp_waitevent_timeout(ami: Harness) -> None:
    await ami.login()
    reply = await asyncio.wait_for(ami.send(Action="WaitEvent", Timeout="0"), 2)
    assert _names(reply) == ["Success", "WaitEventComplete"]
    assert reply[1].pairs == (("Event", "WaitEventComplete"),)


async def test_waitevent_needs_login(ami: Harness) -> None:
    (reply,) = await ami.send(Action="WaitEvent", Timeout="0")
    assert reply.get("Message") == "Permission denied"


async def test_queued_events_are_returned_at_once_by_read_class(ami: Harness) -> None:
    viewer = _queued(ami)
    await viewer.login("viewer", "v")
    for event in ALL:
        viewer.session.deliver(event)
    reply = await asyncio.wait_for(viewer.send(Action="WaitEvent", Timeout="30"), 2)
    assert _names(reply) == ["Success", "Hangup", "WaitEventComplete"]
    assert len(viewer.session.queue) == 0


async def test_a_second_waitevent_ends_the_first(ami: Harness) -> None:
    http = _queued(ami)
    await http.login()
    first = asyncio.create_task(http.send(Action="WaitEvent", ActionID="1"))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(http.send(Action="WaitEvent", ActionID="2"))
    first_reply = await asyncio.wait_for(first, 2)
    assert _names(first_reply) == ["Success", "WaitEventComplete"]
    assert first_reply[1].get("ActionID") == "1"
    http.session.deliver(HANGUP)
    second_reply = await asyncio.wait_for(second, 2)
    assert _names(second_reply) == ["Success", "Hangup", "WaitEventComplete"]


async def test_http_wait_is_capped_and_turns_events_on(ami: Harness) -> None:
    http = _queued(ami, max_wait_s=0.05)
    await http.login(Events="off")
    assert http.session.event_mask == frozenset()
    reply = await asyncio.wait_for(http.send(Action="WaitEvent", Timeout="-1"), 2)
    assert _names(reply) == ["Success", "WaitEventComplete"]
    http.session.deliver(HANGUP)
    assert len(http.session.queue) == 1


async def test_queue_drops_the_oldest_and_logs_once(
    ami: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    http = _queued(ami, queue_limit=2)
    await http.login()
    with caplog.at_level(logging.WARNING, logger="http_api.ami.session"):
        for event in ALL:
            http.session.deliver(event)
    assert [record.getMessage() for record in caplog.records] == [
        "manager user admin at 127.0.0.1 does not collect its events: dropping the oldest"]
    assert [event.name for event in http.session.queue.take()] == ["Newexten", "Hangup"]

