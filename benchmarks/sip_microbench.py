"""CPU cost of the SIP message path, in process, without sockets: what one hop of a call costs.

Each case runs over distinct messages (every one with its own Call-ID, tags and branch, as
on the wire), so that no cache in the parser sees the same text twice across messages:

- ``parse INVITE`` / ``parse 200``: ``parse_message`` of a SIPp-shaped INVITE with SDP and of
  a phone's 200;
- ``INVITE hop``: parse, the header reads the stack and the B2BUA make (Via twice, Call-ID,
  CSeq, From, To and its tag, Contact, Max-Forwards), and a 180 and a 200 built and written;
- ``200 hop``: parse and the reads a client transaction and a dialog make.

    .venv/bin/python benchmarks/sip_microbench.py
    .venv/bin/python benchmarks/sip_microbench.py --messages 50000 --repeats 5

Prints the best of ``--repeats`` rounds in microseconds of CPU per message; nothing is
asserted. Standalone, like the other benchmarks: nothing from ``tests/`` is used.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sip.message import Message, Request, make_response, parse_message

SDP = (
    b"v=0\r\no=bench 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n"
    b"m=audio 6000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:30\r\n"
)


def invite(n: int) -> bytes:
    head = (
        "INVITE sip:1000@127.0.0.1:5060 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.2:5061;branch=z9hG4bK-4242-{n}-0;rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:uac@127.0.0.2>;tag=4242c{n}\r\n"
        "To: <sip:1000@127.0.0.1:5060>\r\n"
        f"Call-ID: {n}-4242@127.0.0.2\r\n"
        "CSeq: 1 INVITE\r\n"
        "Contact: <sip:uac@127.0.0.2:5061;transport=UDP>\r\n"
        "Content-Type: application/sdp\r\n"
        f"Content-Length: {len(SDP)}\r\n\r\n"
    )
    return head.encode() + SDP


def ok(n: int) -> bytes:
    head = (
        "SIP/2.0 200 OK\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK{n:016x};rport=5060\r\n"
        f"From: <sip:uac@127.0.0.1>;tag={n:012x}\r\n"
        f"To: <sip:1000@127.0.0.1:5070>;tag={n}SIPpTag011\r\n"
        f"Call-ID: {n:016x}@127.0.0.1\r\n"
        "CSeq: 1 INVITE\r\n"
        "Contact: <sip:127.0.0.1:5070;transport=UDP>\r\n"
        "Content-Type: application/sdp\r\n"
        f"Content-Length: {len(SDP)}\r\n\r\n"
    )
    return head.encode() + SDP


def _reads(message: Message) -> None:
    _ = (message.top_via, message.top_via, message.call_id, message.cseq, message.from_)
    _ = (message.to.tag, message.call_id, message.cseq, message.vias, message.contacts)


def invite_hop(data: bytes) -> None:
    request = parse_message(data)
    assert isinstance(request, Request)
    _reads(request)
    _ = request.max_forwards
    for status in (180, 200):
        make_response(request, status, to_tag="4242ab").to_bytes()


def ok_hop(data: bytes) -> None:
    _reads(parse_message(data))


def best_us(case: Callable[[bytes], object], messages: Sequence[bytes], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for data in messages:
            case(data)
        best = min(best, time.process_time() - started)
    return best / len(messages) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000, help="distinct messages per case")
    parser.add_argument("--repeats", type=int, default=3, help="rounds; the best is printed")
    args = parser.parse_args(argv)
    invites = [invite(n) for n in range(args.messages)]
    oks = [ok(n) for n in range(args.messages)]
    cases: list[tuple[str, Callable[[bytes], object], list[bytes]]] = [
        ("parse INVITE", parse_message, invites),
        ("parse 200", parse_message, oks),
        ("INVITE hop", invite_hop, invites),
        ("200 hop", ok_hop, oks),
    ]
    for name, case, messages in cases:
        print(f"{name}: {best_us(case, messages, args.repeats):.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
