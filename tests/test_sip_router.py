"""RFC 3261 §8.2 checks of the router: what is answered before any service runs."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from sip.message import Method, Request, Response, make_response, parse_message
from sip.stack import ServerTransaction
from softswitch.sip_router import SipRouter


class FakeTransaction:
    """Stands in for a ServerTransaction: records what the router answers."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.replies: list[Response] = []

    def reply(self, status: int, reason: str | None = None, *,
              headers: Iterable[tuple[str, str]] = (), body: bytes = b"") -> Response:
        response = make_response(self.request, status, reason, to_tag="t", headers=headers)
        self.replies.append(response)
        return response


def make(method: str, *, uri: str = "sip:101@127.0.0.1", extra: str = "", to_tag: str = "",
         branch: str = "z9hG4bKaaa", vias: str = "") -> Request:
    to = "<sip:101@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
    raw = (
        f"{method} {uri} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.9:5070;branch={branch}\r\n{vias}"
        "Max-Forwards: 70\r\n"
        "From: <sip:102@127.0.0.1>;tag=f1\r\n"
        f"To: {to}\r\n"
        "Call-ID: router-test\r\n"
        f"CSeq: 1 {method}\r\n{extra}"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    message = parse_message(raw)
    assert isinstance(message, Request)
    return message


async def route(router: SipRouter, request: Request) -> FakeTransaction:
    tx = FakeTransaction(request)
    await router(tx)  # type: ignore[arg-type]
    return tx


@pytest.fixture
def served() -> list[Request]:
    return []


@pytest.fixture
def router(served: list[Request]) -> SipRouter:
    async def service(tx: ServerTransaction) -> None:
        served.append(tx.request)
        tx.reply(200)

    result = SipRouter(local_sent_by=lambda: {"127.0.0.1:5060"})
    result.register(Method.OPTIONS, service)
    result.register(Method.REGISTER, service)
    return result


async def test_registered_method_reaches_its_service(router: SipRouter,
                                                     served: list[Request]) -> None:
    tx = await route(router, make("OPTIONS"))
    assert [r.status for r in tx.replies] == [200]
    assert len(served) == 1


async def test_unknown_method_is_501_with_allow(router: SipRouter) -> None:
    tx = await route(router, make("FOO"))
    (reply,) = tx.replies
    assert reply.status == 501
    assert reply.headers.get("Allow") == "ACK, CANCEL, OPTIONS, REGISTER"


async def test_known_but_unserved_method_is_405(router: SipRouter) -> None:
    tx = await route(router, make("MESSAGE"))
    (reply,) = tx.replies
    assert reply.status == 405
    assert "REGISTER" in (reply.headers.get("Allow") or "")


@pytest.mark.parametrize("method", ["BYE", "INFO", "UPDATE", "PRACK", "NOTIFY"])
async def test_in_dialog_methods_without_a_dialog_get_481(router: SipRouter,
                                                          method: str) -> None:
    tx = await route(router, make(method, to_tag="nope"))
    assert [r.status for r in tx.replies] == [481]


async def test_subscribe_to_an_unknown_package_is_489(router: SipRouter) -> None:
    tx = await route(router, make("SUBSCRIBE", extra="Event: presence\r\n"))
    assert [r.status for r in tx.replies] == [489]


async def test_non_sip_request_uri_is_416(router: SipRouter) -> None:
    tx = await route(router, make("OPTIONS", uri="tel:+15551234"))
    assert [r.status for r in tx.replies] == [416]


async def test_unsupported_require_is_420_with_unsupported(router: SipRouter) -> None:
    tx = await route(router, make("OPTIONS", extra="Require: 100rel, path\r\n"))
    (reply,) = tx.replies
    assert reply.status == 420
    assert reply.headers.get("Unsupported") == "100rel"


async def test_request_that_went_through_us_already_is_a_loop(router: SipRouter) -> None:
    ours = "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKours\r\n"
    tx = await route(router, make("OPTIONS", vias=ours))
    assert [r.status for r in tx.replies] == [482]


async def test_merged_request_gets_482_but_retransmission_does_not(
    router: SipRouter, served: list[Request]
) -> None:
    first = await route(router, make("REGISTER", branch="z9hG4bKone"))
    again = await route(router, make("REGISTER", branch="z9hG4bKone"))
    forked = await route(router, make("REGISTER", branch="z9hG4bKtwo"))
    assert [r.status for r in first.replies] == [200]
    assert [r.status for r in again.replies] == [200]
    assert [r.status for r in forked.replies] == [482]
    assert len(served) == 2
