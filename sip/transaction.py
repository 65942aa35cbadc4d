"""RFC 3261 §17 transactions (with RFC 6026's Accepted state), driven without I/O.

The :class:`TransactionLayer` is fed messages and the current time and hands back bytes to
send, events for the transaction user and one deadline (``get_timer``). The asyncio adapter
moves bytes and arms a single timer; tests script ``now`` instead of sleeping.

Every transaction's behaviour is a table keyed by ``(state, input)``. Inputs that may arrive
from the network in any state have explicit entries (often "ignore"); a transaction user that
drives a transaction wrongly (answers a terminated one) gets a :class:`TransactionError`.

Besides RFC 3261, an INVITE server transaction in Accepted retransmits its 2xx on unreliable
transports until the ACK arrives (§13.3.1.4 puts that duty on the UAS core; here it sits
beside the other timers so that it is tested the same way).
"""

from __future__ import annotations

import enum
import heapq
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from sip.address import Address
from sip.errors import SipError
from sip.headers import Headers
from sip.message import Message, Method, Request, Response

BRANCH_COOKIE = "z9hG4bK"


class TransactionError(SipError):
    """The transaction user asked for something the transaction's state does not allow."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerConfig:
    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0

    @property
    def timeout(self) -> float:
        """64·T1: Timers B, F, H, J, L and M."""
        return 64 * self.t1


class Role(enum.Enum):
    CLIENT = "client"
    SERVER = "server"


class State(enum.Enum):
    CALLING = "Calling"
    TRYING = "Trying"
    PROCEEDING = "Proceeding"
    ACCEPTED = "Accepted"
    COMPLETED = "Completed"
    CONFIRMED = "Confirmed"
    TERMINATED = "Terminated"


class Input(enum.Enum):
    PROVISIONAL = "1xx"
    SUCCESS = "2xx"
    FAILURE = "3xx-6xx"
    REQUEST = "request retransmission"
    ACK = "ACK"
    RETRANSMIT = "retransmit timer"
    TIMEOUT = "timeout timer"
    WAIT_OVER = "wait timer"
    TRANSPORT_ERROR = "transport error"


@dataclass(frozen=True, slots=True)
class TransactionKey:
    """RFC 3261 §17.2.3 matching: branch, sent-by of the top Via, and the method.

    ACK matches the INVITE transaction, so it is keyed as INVITE; CANCEL keeps its own
    method and so gets its own transaction with the INVITE's branch.
    """

    role: Role
    branch: str
    sent_by: str
    method: str


# -- events for the transaction user ------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestReceived:
    """A new request: a server transaction exists for it (except for ACK, never here)."""

    key: TransactionKey
    request: Request
    source: Address


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelReceived:
    """A CANCEL arrived; ``invite`` is the transaction it cancels, if that is still known."""

    key: TransactionKey
    request: Request
    source: Address
    invite: TransactionKey | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AckReceived:
    """An ACK for a 2xx (its own end-to-end request), passed to the dialog layer."""

    request: Request
    source: Address
    invite: TransactionKey | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseReceived:
    key: TransactionKey
    response: Response
    source: Address


@dataclass(frozen=True, slots=True, kw_only=True)
class StrayResponse:
    """A response matching no client transaction (e.g. a 2xx retransmitted after Timer M)."""

    response: Response
    source: Address


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionTimedOut:
    """Timer B or F fired (client), or the ACK for our 2xx never came (server, Timer L)."""

    key: TransactionKey


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportFailed:
    key: TransactionKey


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionTerminated:
    key: TransactionKey


Event = (
    RequestReceived
    | CancelReceived
    | AckReceived
    | ResponseReceived
    | StrayResponse
    | TransactionTimedOut
    | TransportFailed
    | TransactionTerminated
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outgoing:
    data: bytes
    destination: Address
    key: TransactionKey | None = None
    """The transaction that sent it, told when the transport cannot deliver."""


# -- one transaction -----------------------------------------------------------------------


class TimerName(enum.Enum):
    RETRANSMIT = "A/E/G"
    TIMEOUT = "B/F/H/L/M"
    WAIT = "D/I/J/K"


@dataclass(slots=True)
class Transaction:
    key: TransactionKey
    invite: bool
    state: State
    peer: Address
    request: Request | None
    """Until the final response: a transaction then lingers for up to 32 s with what its
    retransmissions need only, as at high call rates those are most of what the garbage
    collector walks."""
    timers: TimerConfig
    last_sent: bytes = b""
    """What a retransmission resends: the request (client) or the last response (server)."""
    interval: float = 0.0
    deadlines: dict[TimerName, float] = field(default_factory=dict)
    accepted_as: tuple[str, int, str] | None = None
    """Server INVITE answered 2xx: the dialog identifiers its ACK is matched by. Kept rather
    than the 2xx itself, which a lingering transaction (32 s) has no use for."""
    ack_bytes: bytes = b""
    """The ACK the INVITE client transaction sent for a non-2xx final, resent on its repeats."""

    @property
    def reliable(self) -> bool:
        return self.peer.transport.reliable


Handler = Callable[["TransactionLayer", Transaction, float, Message | None, Address | None], None]


class TransactionLayer:
    """All transactions of one SIP stack, with their timers, as one sans-IO object."""

    def __init__(self, timers: TimerConfig | None = None) -> None:
        self.timers = timers or TimerConfig()
        self._transactions: dict[TransactionKey, Transaction] = {}
        self._heap: list[tuple[float, int, TransactionKey, TimerName]] = []
        self._seq = itertools.count()
        self._outgoing: list[Outgoing] = []
        self._events: deque[Event] = deque()
        # ACKs for our 2xx carry a fresh branch; they are matched to the INVITE by dialog
        # identifiers instead (Call-ID, CSeq number, From tag).
        self._accepted: dict[tuple[str, int, str], TransactionKey] = {}

    # -- queries --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._transactions)

    def state(self, key: TransactionKey) -> State | None:
        tx = self._transactions.get(key)
        return tx.state if tx else None

    def request_of(self, key: TransactionKey) -> Request | None:
        """The request of a transaction not answered finally yet."""
        tx = self._transactions.get(key)
        return tx.request if tx else None

    def get_timer(self) -> float | None:
        """The earliest deadline of any transaction, or None when nothing is pending."""
        while self._heap:
            deadline, _, key, name = self._heap[0]
            tx = self._transactions.get(key)
            if tx is not None and tx.deadlines.get(name) == deadline:
                return deadline
            heapq.heappop(self._heap)
        return None

    def datagrams_to_send(self) -> list[Outgoing]:
        out, self._outgoing = self._outgoing, []
        return out

    def next_event(self) -> Event | None:
        return self._events.popleft() if self._events else None

    # -- inputs from the network ----------------------------------------------------------

    def receive(self, message: Message, source: Address, now: float) -> None:
        if isinstance(message, Request):
            self._receive_request(message, source, now)
        else:
            self._receive_response(message, source, now)

    def _receive_request(self, request: Request, source: Address, now: float) -> None:
        via = request.top_via
        branch = via.branch or ""
        method = Method.INVITE.value if request.method == Method.ACK else request.method
        key = TransactionKey(
            role=Role.SERVER, branch=branch, sent_by=_sent_by(via.host, via.port), method=method
        )
        tx = self._transactions.get(key) if branch.startswith(BRANCH_COOKIE) else None
        if request.method == Method.ACK:
            if tx is not None and tx.state in (State.COMPLETED, State.CONFIRMED):
                self._fire(tx, Input.ACK, now, request, source)
                return
            invite_key = self._accepted.pop(_dialog_ack_key(request), None)
            invite_tx = self._transactions.get(invite_key) if invite_key else None
            if invite_tx is not None:
                self._fire(invite_tx, Input.ACK, now, request, source)
            self._events.append(AckReceived(request=request, source=source, invite=invite_key))
            return
        if tx is not None:
            self._fire(tx, Input.REQUEST, now, request, source)
            return
        invite = request.method == Method.INVITE
        tx = Transaction(
            key=key,
            invite=invite,
            state=State.PROCEEDING if invite else State.TRYING,
            peer=source,
            request=request,
            timers=self.timers,
        )
        self._transactions[key] = tx
        if request.method == Method.CANCEL:
            invite_key = TransactionKey(
                role=Role.SERVER, branch=branch, sent_by=key.sent_by, method=Method.INVITE.value
            )
            known = invite_key if invite_key in self._transactions else None
            self._events.append(
                CancelReceived(key=key, request=request, source=source, invite=known)
            )
        else:
            self._events.append(RequestReceived(key=key, request=request, source=source))

    def _receive_response(self, response: Response, source: Address, now: float) -> None:
        via = response.top_via
        key = TransactionKey(
            role=Role.CLIENT,
            branch=via.branch or "",
            sent_by=_sent_by(via.host, via.port),
            method=response.cseq.method,
        )
        tx = self._transactions.get(key)
        if tx is None:
            self._events.append(StrayResponse(response=response, source=source))
            return
        if response.status < 200:
            signal = Input.PROVISIONAL
        elif response.status < 300:
            signal = Input.SUCCESS
        else:
            signal = Input.FAILURE
        self._fire(tx, signal, now, response, source)

    def transport_error(self, key: TransactionKey, now: float) -> None:
        tx = self._transactions.get(key)
        if tx is not None:
            self._fire(tx, Input.TRANSPORT_ERROR, now, None, None)

    # -- inputs from the transaction user -------------------------------------------------

    def send_request(self, request: Request, destination: Address, now: float) -> TransactionKey:
        """Start a client transaction; ACK is sent stateless with :meth:`send_stateless`."""
        if request.method == Method.ACK:
            raise TransactionError("ACK is not sent in a client transaction")
        via = request.top_via
        branch = via.branch or ""
        if not branch.startswith(BRANCH_COOKIE):
            raise TransactionError("client requests need an RFC 3261 branch")
        key = TransactionKey(
            role=Role.CLIENT,
            branch=branch,
            sent_by=_sent_by(via.host, via.port),
            method=request.method,
        )
        if key in self._transactions:
            raise TransactionError(f"transaction {branch} {request.method} already exists")
        invite = request.method == Method.INVITE
        tx = Transaction(
            key=key,
            invite=invite,
            state=State.CALLING if invite else State.TRYING,
            peer=destination,
            request=request,
            timers=self.timers,
            last_sent=request.to_bytes(),
        )
        self._transactions[key] = tx
        self._send(tx, tx.last_sent)
        if not tx.reliable:
            tx.interval = self.timers.t1
            self._arm(tx, TimerName.RETRANSMIT, now + tx.interval)
        self._arm(tx, TimerName.TIMEOUT, now + self.timers.timeout)
        return key

    def send_stateless(self, message: Message, destination: Address) -> None:
        """Send outside any transaction: the ACK for a 2xx, or a stateless reply."""
        self._outgoing.append(Outgoing(data=message.to_bytes(), destination=destination))

    def send_response(self, key: TransactionKey, response: Response, now: float) -> None:
        tx = self._transactions.get(key)
        if tx is None or key.role is not Role.SERVER:
            raise TransactionError(f"no server transaction {key.branch} {key.method}")
        if response.status < 200:
            signal = Input.PROVISIONAL
        elif response.status < 300:
            signal = Input.SUCCESS
        else:
            signal = Input.FAILURE
        handler = _TU_TABLE[tx.invite].get((tx.state, signal))
        if handler is None:
            raise TransactionError(
                f"cannot send {response.status} in state {tx.state.value} of {key.method}"
            )
        handler(self, tx, now, response, None)

    def abandon(self, key: TransactionKey) -> None:
        """Forget a client transaction nobody waits for any more: no more retransmissions.

        A late response then arrives as a :class:`StrayResponse`.
        """
        tx = self._transactions.get(key)
        if tx is not None and key.role is Role.CLIENT:
            self._terminate(tx)

    def handle_timer(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            deadline, _, key, name = heapq.heappop(self._heap)
            tx = self._transactions.get(key)
            if tx is None or tx.deadlines.get(name) != deadline:
                continue
            del tx.deadlines[name]
            signal = {
                TimerName.RETRANSMIT: Input.RETRANSMIT,
                TimerName.TIMEOUT: Input.TIMEOUT,
                TimerName.WAIT: Input.WAIT_OVER,
            }[name]
            self._fire(tx, signal, now, None, None)

    # -- machinery ------------------------------------------------------------------------

    def _fire(
        self,
        tx: Transaction,
        signal: Input,
        now: float,
        message: Message | None,
        source: Address | None,
    ) -> None:
        table = _TABLES[(tx.key.role, tx.invite)]
        handler = table.get((tx.state, signal))
        if handler is None:
            # Network input with no entry is ignored: stray or late copies are normal.
            return
        handler(self, tx, now, message, source)

    def _send(self, tx: Transaction, data: bytes) -> None:
        self._outgoing.append(Outgoing(data=data, destination=tx.peer, key=tx.key))

    def _arm(self, tx: Transaction, name: TimerName, deadline: float) -> None:
        tx.deadlines[name] = deadline
        heapq.heappush(self._heap, (deadline, next(self._seq), tx.key, name))

    def _disarm(self, tx: Transaction, *names: TimerName) -> None:
        for name in names:
            tx.deadlines.pop(name, None)

    def _wait_or_terminate(self, tx: Transaction, state: State, wait: float, now: float) -> None:
        """Enter a lingering state for *wait* seconds, or terminate at once when it is 0."""
        self._disarm(tx, TimerName.RETRANSMIT, TimerName.TIMEOUT)
        if wait <= 0:
            self._terminate(tx)
            return
        tx.state = state
        self._arm(tx, TimerName.WAIT, now + wait)

    def _terminate(self, tx: Transaction) -> None:
        tx.state = State.TERMINATED
        tx.deadlines.clear()
        self._transactions.pop(tx.key, None)
        if tx.accepted_as is not None:
            self._accepted.pop(tx.accepted_as, None)
        self._events.append(TransactionTerminated(key=tx.key))

    def _deliver(self, tx: Transaction, message: Message | None, source: Address | None) -> None:
        assert isinstance(message, Response) and source is not None
        self._events.append(ResponseReceived(key=tx.key, response=message, source=source))


def _sent_by(host: str, port: int | None) -> str:
    return f"{host.lower()}:{port or 5060}"


def _dialog_ack_key(request: Request) -> tuple[str, int, str]:
    return (request.call_id, request.cseq.seq, request.from_.tag or "")


# -- client INVITE (RFC 3261 §17.1.1, RFC 6026 §7.2) ----------------------------------------


def _ic_retransmit(
    layer: TransactionLayer, tx: Transaction, now: float, _m: Message | None, _s: Address | None
) -> None:
    layer._send(tx, tx.last_sent)
    tx.interval *= 2
    layer._arm(tx, TimerName.RETRANSMIT, now + tx.interval)


def _ic_timeout(
    layer: TransactionLayer, tx: Transaction, _now: float, _m: Message | None, _s: Address | None
) -> None:
    layer._events.append(TransactionTimedOut(key=tx.key))
    layer._terminate(tx)


def _ic_transport_error(
    layer: TransactionLayer, tx: Transaction, _now: float, _m: Message | None, _s: Address | None
) -> None:
    layer._events.append(TransportFailed(key=tx.key))
    layer._terminate(tx)


def _ic_provisional(
    layer: TransactionLayer, tx: Transaction, _now: float, m: Message | None, s: Address | None
) -> None:
    tx.state = State.PROCEEDING
    layer._disarm(tx, TimerName.RETRANSMIT)
    layer._deliver(tx, m, s)


def _ic_success(
    layer: TransactionLayer, tx: Transaction, now: float, m: Message | None, s: Address | None
) -> None:
    tx.state = State.ACCEPTED
    tx.request = None
    layer._disarm(tx, TimerName.RETRANSMIT, TimerName.TIMEOUT)
    layer._arm(tx, TimerName.WAIT, now + tx.timers.timeout)  # Timer M
    layer._deliver(tx, m, s)


def _ic_accepted_success(
    layer: TransactionLayer, tx: Transaction, _now: float, m: Message | None, s: Address | None
) -> None:
    layer._deliver(tx, m, s)


def _ic_failure(
    layer: TransactionLayer, tx: Transaction, now: float, m: Message | None, s: Address | None
) -> None:
    assert isinstance(m, Response) and tx.request is not None
    tx.ack_bytes = build_non2xx_ack(tx.request, m).to_bytes()
    tx.request = None
    layer._send(tx, tx.ack_bytes)
    layer._deliver(tx, m, s)
    layer._wait_or_terminate(tx, State.COMPLETED, 0 if tx.reliable else 32.0, now)  # Timer D


def _ic_completed_failure(
    layer: TransactionLayer, tx: Transaction, _now: float, _m: Message | None, _s: Address | None
) -> None:
    layer._send(tx, tx.ack_bytes)


def _end(
    layer: TransactionLayer, tx: Transaction, _now: float, _m: Message | None, _s: Address | None
) -> None:
    layer._terminate(tx)


_INVITE_CLIENT: dict[tuple[State, Input], Handler] = {
    (State.CALLING, Input.RETRANSMIT): _ic_retransmit,
    (State.CALLING, Input.TIMEOUT): _ic_timeout,
    (State.CALLING, Input.TRANSPORT_ERROR): _ic_transport_error,
    (State.CALLING, Input.PROVISIONAL): _ic_provisional,
    (State.CALLING, Input.SUCCESS): _ic_success,
    (State.CALLING, Input.FAILURE): _ic_failure,
    (State.PROCEEDING, Input.PROVISIONAL): _ic_accepted_success,
    (State.PROCEEDING, Input.SUCCESS): _ic_success,
    (State.PROCEEDING, Input.FAILURE): _ic_failure,
    (State.PROCEEDING, Input.TIMEOUT): _ic_timeout,
    (State.PROCEEDING, Input.TRANSPORT_ERROR): _ic_transport_error,
    (State.ACCEPTED, Input.SUCCESS): _ic_accepted_success,
    (State.ACCEPTED, Input.WAIT_OVER): _end,
    (State.COMPLETED, Input.FAILURE): _ic_completed_failure,
    (State.COMPLETED, Input.WAIT_OVER): _end,
}


# -- client non-INVITE (§17.1.2) --------------------------------------------------------------


def _nc_retransmit(
    layer: TransactionLayer, tx: Transaction, now: float, _m: Message | None, _s: Address | None
) -> None:
    layer._send(tx, tx.last_sent)
    if tx.state is State.PROCEEDING:
        tx.interval = tx.timers.t2
    else:
        tx.interval = min(2 * tx.interval, tx.timers.t2)
    layer._arm(tx, TimerName.RETRANSMIT, now + tx.interval)


def _nc_provisional(
    layer: TransactionLayer, tx: Transaction, _now: float, m: Message | None, s: Address | None
) -> None:
    tx.state = State.PROCEEDING
    layer._deliver(tx, m, s)


def _nc_final(
    layer: TransactionLayer, tx: Transaction, now: float, m: Message | None, s: Address | None
) -> None:
    tx.request = None
    layer._deliver(tx, m, s)
    layer._wait_or_terminate(tx, State.COMPLETED, 0 if tx.reliable else tx.timers.t4, now)


_NON_INVITE_CLIENT: dict[tuple[State, Input], Handler] = {
    (State.TRYING, Input.RETRANSMIT): _nc_retransmit,
    (State.TRYING, Input.TIMEOUT): _ic_timeout,
    (State.TRYING, Input.TRANSPORT_ERROR): _ic_transport_error,
    (State.TRYING, Input.PROVISIONAL): _nc_provisional,
    (State.TRYING, Input.SUCCESS): _nc_final,
    (State.TRYING, Input.FAILURE): _nc_final,
    (State.PROCEEDING, Input.RETRANSMIT): _nc_retransmit,
    (State.PROCEEDING, Input.TIMEOUT): _ic_timeout,
    (State.PROCEEDING, Input.TRANSPORT_ERROR): _ic_transport_error,
    (State.PROCEEDING, Input.PROVISIONAL): _nc_provisional,
    (State.PROCEEDING, Input.SUCCESS): _nc_final,
    (State.PROCEEDING, Input.FAILURE): _nc_final,
    (State.COMPLETED, Input.WAIT_OVER): _end,
}


# -- server INVITE (§17.2.1, RFC 6026 §7.1) ---------------------------------------------------


def _resend_last(
    layer: TransactionLayer, tx: Transaction, _now: float, _m: Message | None, _s: Address | None
) -> None:
    if tx.last_sent:
        layer._send(tx, tx.last_sent)


def _is_tu_provisional(
    layer: TransactionLayer, tx: Transaction, _now: float, m: Message | None, _s: Address | None
) -> None:
    assert isinstance(m, Response)
    tx.last_sent = m.to_bytes()
    layer._send(tx, tx.last_sent)


def _is_tu_success(
    layer: TransactionLayer, tx: Transaction, now: float, m: Message | None, _s: Address | None
) -> None:
    assert isinstance(m, Response) and tx.request is not None
    tx.state = State.ACCEPTED
    tx.last_sent = m.to_bytes()
    layer._send(tx, tx.last_sent)
    tx.accepted_as = _dialog_ack_key(tx.request)
    tx.request = None
    layer._accepted[tx.accepted_as] = tx.key
    if not tx.reliable:
        tx.interval = tx.timers.t1
        layer._arm(tx, TimerName.RETRANSMIT, now + tx.interval)
    layer._arm(tx, TimerName.TIMEOUT, now + tx.timers.timeout)  # Timer L


def _is_accepted_tu_success(
    layer: TransactionLayer, tx: Transaction, _now: float, m: Message | None, _s: Address | None
) -> None:
    assert isinstance(m, Response)
    layer._send(tx, m.to_bytes())


def _is_accepted_retransmit(
    layer: TransactionLayer, tx: Transaction, now: float, _m: Message | None, _s: Address | None
) -> None:
    layer._send(tx, tx.last_sent)
    tx.interval = min(2 * tx.interval, tx.timers.t2)
    layer._arm(tx, TimerName.RETRANSMIT, now + tx.interval)


def _is_accepted_ack(
    layer: TransactionLayer, tx: Transaction, _now: float, _m: Message | None, _s: Address | None
) -> None:
    # The 2xx arrived: stop resending it, but keep absorbing INVITE copies until Timer L.
    layer._disarm(tx, TimerName.RETRANSMIT)


def _is_accepted_timeout(
    layer: TransactionLayer, tx: Transaction, _now: float, _m: Message | None, _s: Address | None
) -> None:
    if tx.accepted_as in layer._accepted:
        layer._events.append(TransactionTimedOut(key=tx.key))
    layer._terminate(tx)


def _is_tu_failure(
    layer: TransactionLayer, tx: Transaction, now: float, m: Message | None, _s: Address | None
) -> None:
    assert isinstance(m, Response)
    tx.state = State.COMPLETED
    tx.request = None
    tx.last_sent = m.to_bytes()
    layer._send(tx, tx.last_sent)
    if not tx.reliable:
        tx.interval = tx.timers.t1
        layer._arm(tx, TimerName.RETRANSMIT, now + tx.interval)  # Timer G
    layer._arm(tx, TimerName.TIMEOUT, now + tx.timers.timeout)  # Timer H


def _is_completed_retransmit(
    layer: TransactionLayer, tx: Transaction, now: float, _m: Message | None, _s: Address | None
) -> None:
    layer._send(tx, tx.last_sent)
    tx.interval = min(2 * tx.interval, tx.timers.t2)
    layer._arm(tx, TimerName.RETRANSMIT, now + tx.interval)


def _is_completed_ack(
    layer: TransactionLayer, tx: Transaction, now: float, _m: Message | None, _s: Address | None
) -> None:
    layer._wait_or_terminate(tx, State.CONFIRMED, 0 if tx.reliable else tx.timers.t4, now)


def _is_completed_timeout(
    layer: TransactionLayer, tx: Transaction, _now: float, _m: Message | None, _s: Address | None
) -> None:
    layer._events.append(TransactionTimedOut(key=tx.key))
    layer._terminate(tx)


_INVITE_SERVER: dict[tuple[State, Input], Handler] = {
    (State.PROCEEDING, Input.REQUEST): _resend_last,
    (State.PROCEEDING, Input.TRANSPORT_ERROR): _ic_transport_error,
    (State.ACCEPTED, Input.REQUEST): lambda *_: None,
    (State.ACCEPTED, Input.RETRANSMIT): _is_accepted_retransmit,
    (State.ACCEPTED, Input.ACK): _is_accepted_ack,
    (State.ACCEPTED, Input.TIMEOUT): _is_accepted_timeout,
    (State.ACCEPTED, Input.TRANSPORT_ERROR): _ic_transport_error,
    (State.COMPLETED, Input.REQUEST): _resend_last,
    (State.COMPLETED, Input.RETRANSMIT): _is_completed_retransmit,
    (State.COMPLETED, Input.ACK): _is_completed_ack,
    (State.COMPLETED, Input.TIMEOUT): _is_completed_timeout,
    (State.COMPLETED, Input.TRANSPORT_ERROR): _ic_transport_error,
    (State.CONFIRMED, Input.WAIT_OVER): _end,
}

_INVITE_SERVER_TU: dict[tuple[State, Input], Handler] = {
    (State.PROCEEDING, Input.PROVISIONAL): _is_tu_provisional,
    (State.PROCEEDING, Input.SUCCESS): _is_tu_success,
    (State.PROCEEDING, Input.FAILURE): _is_tu_failure,
    (State.ACCEPTED, Input.SUCCESS): _is_accepted_tu_success,
}


# -- server non-INVITE (§17.2.2) --------------------------------------------------------------


def _ns_tu_provisional(
    layer: TransactionLayer, tx: Transaction, now: float, m: Message | None, s: Address | None
) -> None:
    tx.state = State.PROCEEDING
    _is_tu_provisional(layer, tx, now, m, s)


def _ns_tu_final(
    layer: TransactionLayer, tx: Transaction, now: float, m: Message | None, _s: Address | None
) -> None:
    assert isinstance(m, Response)
    tx.request = None
    tx.last_sent = m.to_bytes()
    layer._send(tx, tx.last_sent)
    layer._wait_or_terminate(tx, State.COMPLETED, 0 if tx.reliable else tx.timers.timeout, now)


_NON_INVITE_SERVER: dict[tuple[State, Input], Handler] = {
    (State.TRYING, Input.REQUEST): lambda *_: None,
    (State.TRYING, Input.TRANSPORT_ERROR): _ic_transport_error,
    (State.PROCEEDING, Input.REQUEST): _resend_last,
    (State.PROCEEDING, Input.TRANSPORT_ERROR): _ic_transport_error,
    (State.COMPLETED, Input.REQUEST): _resend_last,
    (State.COMPLETED, Input.WAIT_OVER): _end,
}

_NON_INVITE_SERVER_TU: dict[tuple[State, Input], Handler] = {
    (State.TRYING, Input.PROVISIONAL): _ns_tu_provisional,
    (State.TRYING, Input.SUCCESS): _ns_tu_final,
    (State.TRYING, Input.FAILURE): _ns_tu_final,
    (State.PROCEEDING, Input.PROVISIONAL): _is_tu_provisional,
    (State.PROCEEDING, Input.SUCCESS): _ns_tu_final,
    (State.PROCEEDING, Input.FAILURE): _ns_tu_final,
}

_TABLES: dict[tuple[Role, bool], dict[tuple[State, Input], Handler]] = {
    (Role.CLIENT, True): _INVITE_CLIENT,
    (Role.CLIENT, False): _NON_INVITE_CLIENT,
    (Role.SERVER, True): _INVITE_SERVER,
    (Role.SERVER, False): _NON_INVITE_SERVER,
}
_TU_TABLE: dict[bool, dict[tuple[State, Input], Handler]] = {
    True: _INVITE_SERVER_TU,
    False: _NON_INVITE_SERVER_TU,
}


def build_non2xx_ack(invite: Request, response: Response) -> Request:
    """The hop-by-hop ACK of RFC 3261 §17.1.1.3: the INVITE's branch, URI and Route set."""
    headers = [
        ("Via", invite.headers.get_all("Via")[0]),
        ("Max-Forwards", "70"),
        ("From", invite.headers.get("From") or ""),
        ("To", response.headers.get("To") or ""),
        ("Call-ID", invite.call_id),
        ("CSeq", f"{invite.cseq.seq} ACK"),
    ]
    headers.extend(("Route", value) for value in invite.headers.get_all("Route"))
    return Request(
        method=Method.ACK.value,
        uri=invite.uri,
        headers=Headers(headers),
    )
