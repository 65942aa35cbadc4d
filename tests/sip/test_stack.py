"""The asyncio stack on loopback UDP: what it keeps of a server transaction once answered."""

from __future__ import annotations

import asyncio
import gc
import socket
import weakref
from collections.abc import AsyncIterator, Iterator

import pytest

from sip.address import TransportKind
from sip.message import Response, parse_message
from sip.stack import ServerTransaction, SipStack, StackConfig
from sip.transaction import TimerConfig

# Timer L (64·T1) is then 0.64 s: a test can outlive an answered INVITE's transaction.
TIMERS = TimerConfig(t1=0.01, t2=0.04, t4=0.05)


def invite(port: int, *, method: str = "INVITE", branch: str = "z9hG4bK-stack-1") -> bytes:
    return (
        f"{method} sip:bob@127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch={branch}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:alice@127.0.0.1>;tag=alice1\r\n"
        "To: <sip:bob@127.0.0.1>\r\n"
        "Call-ID: stack-test-1@127.0.0.1\r\n"
        f"CSeq: 1 {method}\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


class Phone:
    """A UDP socket playing the far end."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]

    def send(self, data: bytes, port: int) -> None:
        self.sock.sendto(data, ("127.0.0.1", port))

    async def response(self, status: int, method: str) -> Response:
        """The next *status* answer to a *method*, past others (2xx retransmissions)."""
        loop = asyncio.get_running_loop()
        while True:
            data = await asyncio.wait_for(loop.sock_recv(self.sock, 65535), 2)
            message = parse_message(data)
            if (isinstance(message, Response) and message.status == status
                    and message.cseq.method == method):
                return message


@pytest.fixture
def phone() -> Iterator[Phone]:
    far_end = Phone()
    with far_end.sock:
        yield far_end


def port_of(stack: SipStack) -> int:
    return stack.bound(TransportKind.UDP)[1]


@pytest.fixture
async def answered() -> AsyncIterator[tuple[SipStack, list[weakref.ref[ServerTransaction]]]]:
    """A stack that answers every INVITE 200 at once, and weak references to its handles."""
    handles: list[weakref.ref[ServerTransaction]] = []

    async def handler(tx: ServerTransaction) -> None:
        handles.append(weakref.ref(tx))
        tx.reply(200)

    stack = SipStack(StackConfig(timers=TIMERS), handler)
    await stack.start(udp=("127.0.0.1", 0), tcp=None)
    try:
        yield stack, handles
    finally:
        await stack.close()


async def test_an_answered_transaction_keeps_no_handle(
    answered: tuple[SipStack, list[weakref.ref[ServerTransaction]]], phone: Phone
) -> None:
    stack, handles = answered
    phone.send(invite(phone.port), port_of(stack))
    await phone.response(200, "INVITE")
    await asyncio.sleep(0)
    gc.collect()
    # The transaction lingers (Timer L) to absorb retransmissions; the handle is not kept.
    assert len(stack.layer) == 1
    assert [handle() for handle in handles] == [None]


async def test_a_late_cancel_is_confirmed_with_the_invite_s_tag_until_the_transaction_ends(
    answered: tuple[SipStack, list[weakref.ref[ServerTransaction]]], phone: Phone
) -> None:
    stack, _ = answered
    phone.send(invite(phone.port), port_of(stack))
    ok = await phone.response(200, "INVITE")
    phone.send(invite(phone.port, method="CANCEL"), port_of(stack))
    confirmed = await phone.response(200, "CANCEL")
    assert confirmed.to.tag == ok.to.tag
    await asyncio.sleep(TIMERS.timeout + 0.2)
    assert len(stack.layer) == 0
    phone.send(invite(phone.port, method="CANCEL", branch="z9hG4bK-stack-1"), port_of(stack))
    await phone.response(481, "CANCEL")
