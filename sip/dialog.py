"""Dialogs (RFC 3261 §12): identifiers, route set, remote target and CSeq bookkeeping.

A :class:`Dialog` builds the in-dialog requests we send (BYE, re-INVITE, INFO, the ACK for a
2xx) and checks the ones we receive. It performs no I/O: the caller sends what it returns to
:attr:`Dialog.peer`, the flow the other side talks to us on (NAT-safe), unless the route set
names a proxy.

::

    DialogError (SipError)
     └── StaleCSeq            500: an in-dialog request with a CSeq below the last one
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from sip.address import Address
from sip.errors import SipError
from sip.headers import Headers
from sip.message import Method, Request, Response
from sip.uri import NameAddr, SipUri, Uri


class DialogError(SipError):
    status_code = 481


class StaleCSeq(DialogError):
    status_code = 500


class DialogState(enum.Enum):
    EARLY = "early"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


class Role(enum.Enum):
    UAC = "uac"
    UAS = "uas"


@dataclass(frozen=True, slots=True)
class DialogId:
    call_id: str
    local_tag: str
    remote_tag: str


@dataclass(slots=True, kw_only=True)
class Dialog:
    role: Role
    call_id: str
    local_tag: str
    remote_tag: str
    local: NameAddr
    """Our party (From on requests we send), with our tag."""
    remote: NameAddr
    """Their party (To on requests we send), with their tag."""
    remote_target: Uri
    route_set: tuple[NameAddr, ...]
    local_cseq: int
    remote_cseq: int | None
    peer: Address
    local_contact: NameAddr
    state: DialogState = DialogState.EARLY
    invite_cseq: int = 0
    """CSeq number of the INVITE that made (or last refreshed) the dialog, for its ACK."""
    extra_headers: tuple[tuple[str, str], ...] = field(default=())

    @property
    def id(self) -> DialogId:
        return DialogId(self.call_id, self.local_tag, self.remote_tag)

    # -- creation -------------------------------------------------------------------------

    @classmethod
    def as_uas(
        cls,
        invite: Request,
        *,
        local_tag: str,
        local_contact: NameAddr,
        peer: Address,
    ) -> Dialog:
        """The dialog a 1xx/2xx with *local_tag* creates for a received INVITE (§12.1.1)."""
        contacts = invite.contacts
        if not contacts:
            raise DialogError("INVITE without Contact")
        return cls(
            role=Role.UAS,
            call_id=invite.call_id,
            local_tag=local_tag,
            remote_tag=invite.from_.tag or "",
            local=invite.to.with_tag(local_tag),
            remote=invite.from_,
            remote_target=contacts[0].uri,
            route_set=tuple(invite.record_routes),
            local_cseq=0,
            remote_cseq=invite.cseq.seq,
            peer=peer,
            local_contact=local_contact,
            invite_cseq=invite.cseq.seq,
        )

    @classmethod
    def as_uac(
        cls,
        invite: Request,
        response: Response,
        *,
        local_contact: NameAddr,
        peer: Address,
    ) -> Dialog:
        """The dialog a 1xx/2xx with a To-tag creates for an INVITE we sent (§12.1.2)."""
        tag = response.to.tag
        if tag is None:
            raise DialogError("response without To-tag creates no dialog")
        contacts = response.contacts
        target = contacts[0].uri if contacts else invite.uri
        dialog = cls(
            role=Role.UAC,
            call_id=invite.call_id,
            local_tag=invite.from_.tag or "",
            remote_tag=tag,
            local=invite.from_,
            remote=response.to,
            remote_target=target,
            route_set=tuple(reversed(response.record_routes)),
            local_cseq=invite.cseq.seq,
            remote_cseq=None,
            peer=peer,
            local_contact=local_contact,
            invite_cseq=invite.cseq.seq,
        )
        if 200 <= response.status < 300:
            dialog.state = DialogState.CONFIRMED
        return dialog

    # -- what we send ---------------------------------------------------------------------

    def create_request(
        self,
        method: str,
        *,
        via: str,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> Request:
        """A new in-dialog request with the next local CSeq (ACK and CANCEL excepted)."""
        if method == Method.ACK:
            raise DialogError("use create_ack for the ACK of a 2xx")
        self.local_cseq += 1
        if method == Method.INVITE:
            self.invite_cseq = self.local_cseq
        return self._request(method, self.local_cseq, via=via, headers=headers, body=body)

    def create_ack(
        self, *, via: str, headers: Iterable[tuple[str, str]] = (), body: bytes = b""
    ) -> Request:
        """The ACK for a 2xx: its own transaction, the INVITE's CSeq number (§13.2.2.4)."""
        return self._request(Method.ACK.value, self.invite_cseq, via=via, headers=headers,
                             body=body)

    def _request(
        self,
        method: str,
        cseq: int,
        *,
        via: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
    ) -> Request:
        uri, routes = self._request_uri_and_routes()
        pairs: list[tuple[str, str]] = [
            ("Via", via),
            ("Max-Forwards", "70"),
            ("From", str(self.local)),
            ("To", str(self.remote)),
            ("Call-ID", self.call_id),
            ("CSeq", f"{cseq} {method}"),
        ]
        pairs.extend(("Route", str(route)) for route in routes)
        if method in (Method.INVITE, Method.UPDATE, Method.SUBSCRIBE, Method.NOTIFY,
                      Method.REFER):
            pairs.append(("Contact", str(self.local_contact)))
        pairs.extend(self.extra_headers)
        pairs.extend(headers)
        return Request(method=method, uri=uri, headers=Headers(pairs), body=body)

    def _request_uri_and_routes(self) -> tuple[Uri, tuple[NameAddr, ...]]:
        """§12.2.1.1: loose routing keeps the remote target; strict routing swaps it in."""
        if not self.route_set:
            return self.remote_target, ()
        first = self.route_set[0].uri
        if isinstance(first, SipUri) and first.has_param("lr"):
            return self.remote_target, self.route_set
        rest = (*self.route_set[1:], NameAddr(uri=self.remote_target))
        return first, rest

    # -- what we receive ------------------------------------------------------------------

    def matches(self, message: Request | Response) -> bool:
        if message.call_id != self.call_id:
            return False
        if isinstance(message, Request):
            return message.to.tag == self.local_tag and message.from_.tag == self.remote_tag
        return message.from_.tag == self.local_tag and message.to.tag == self.remote_tag

    def receive_request(self, request: Request) -> None:
        """Check and account for an in-dialog request from the peer (§12.2.2)."""
        if not self.matches(request):
            raise DialogError("request does not belong to this dialog")
        if request.method in (Method.ACK, Method.CANCEL):
            return
        seq = request.cseq.seq
        if self.remote_cseq is not None and seq < self.remote_cseq:
            raise StaleCSeq(f"CSeq {seq} is below {self.remote_cseq}")
        if self.remote_cseq is not None and seq == self.remote_cseq and (
            request.method != Method.INVITE
        ):
            raise StaleCSeq(f"CSeq {seq} was used already")
        self.remote_cseq = seq
        if request.method in (Method.INVITE, Method.UPDATE) and request.contacts:
            self.remote_target = request.contacts[0].uri  # target refresh

    def confirm(self, response: Response | None = None) -> None:
        """The INVITE got its 2xx: the dialog is confirmed (refreshing target from the 2xx)."""
        self.state = DialogState.CONFIRMED
        if response is not None and response.contacts:
            self.remote_target = response.contacts[0].uri

    def terminate(self) -> None:
        self.state = DialogState.TERMINATED
