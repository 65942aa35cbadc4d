"""Constructing out-of-dialog requests (REGISTER, OPTIONS) with the mandatory headers."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sip.headers import Headers
from sip.message import Request
from sip.uri import NameAddr, Uri


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(10)}@{host}"


def build_request(
    method: str,
    uri: Uri,
    *,
    via: str,
    from_: NameAddr,
    to: NameAddr,
    call_id: str,
    cseq: int,
    contact: NameAddr | None = None,
    user_agent: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> Request:
    pairs: list[tuple[str, str]] = [
        ("Via", via),
        ("Max-Forwards", "70"),
        ("From", str(from_)),
        ("To", str(to)),
        ("Call-ID", call_id),
        ("CSeq", f"{cseq} {method}"),
    ]
    if contact is not None:
        pairs.append(("Contact", str(contact)))
    if user_agent:
        pairs.append(("User-Agent", user_agent))
    pairs.extend(headers)
    return Request(method=method, uri=uri, headers=Headers(pairs), body=body)


def build_cancel(invite: Request) -> Request:
    """The CANCEL of RFC 3261 §9.1: the INVITE's URI, top Via, Call-ID, From, To and Route,
    with the INVITE's CSeq number."""
    pairs: list[tuple[str, str]] = [
        ("Via", invite.headers.get_all("Via")[0]),
        ("Max-Forwards", "70"),
        ("From", invite.headers.get("From") or ""),
        ("To", invite.headers.get("To") or ""),
        ("Call-ID", invite.call_id),
        ("CSeq", f"{invite.cseq.seq} CANCEL"),
    ]
    pairs.extend(("Route", value) for value in invite.headers.get_all("Route"))
    return Request(method="CANCEL", uri=invite.uri, headers=Headers(pairs))
