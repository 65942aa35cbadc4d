"""List responses (Asterisk's EventList pattern) as bytes: the answer, the items, the end."""

from __future__ import annotations

from http_api.ami.protocol import ListItem, Response


def test_list_response_with_action_id() -> None:
    item = ListItem(name="DBGetResponse", action_id_last=True,
                    fields=(("Family", "cfg"), ("Key", "k"), ("Val", "v")))
    response = Response.listing("Result will follow", (item,), complete="DBGetComplete")
    assert response.encode("42") == (
        b"Response: Success\r\nActionID: 42\r\nEventList: start\r\n"
        b"Message: Result will follow\r\n\r\n"
        b"Event: DBGetResponse\r\nFamily: cfg\r\nKey: k\r\nVal: v\r\nActionID: 42\r\n\r\n"
        b"Event: DBGetComplete\r\nActionID: 42\r\nEventList: Complete\r\nListItems: 1\r\n\r\n"
    )


def test_list_response_without_action_id_and_with_extra_closing_fields() -> None:
    items = [ListItem(name="EndpointList", fields=(("ObjectName", name),))
             for name in ("101", "102")]
    response = Response.listing("A listing follows", items, complete="EndpointListComplete",
                                extra=(("Registered", "0"),))
    assert response.encode(None) == (
        b"Response: Success\r\nEventList: start\r\nMessage: A listing follows\r\n\r\n"
        b"Event: EndpointList\r\nObjectName: 101\r\n\r\n"
        b"Event: EndpointList\r\nObjectName: 102\r\n\r\n"
        b"Event: EndpointListComplete\r\nEventList: Complete\r\nListItems: 2\r\n"
        b"Registered: 0\r\n\r\n"
    )


def test_empty_list_still_closes() -> None:
    response = Response.listing("Result will follow", (), complete="DBGetTreeComplete")
    assert response.encode("t").endswith(
        b"Event: DBGetTreeComplete\r\nActionID: t\r\nEventList: Complete\r\nListItems: 0\r\n\r\n")


def test_a_plain_response_has_no_event_list() -> None:
    assert Response.success("Event Sent").encode("1") == (
        b"Response: Success\r\nActionID: 1\r\nMessage: Event Sent\r\n\r\n")
