"""First stop of every new server transaction: the checks of RFC 3261 §8.2, then a service.

§8.2 order: method (405/501), Request-URI scheme (416), merged requests and loops (482),
``Require`` extensions (420); then the request goes to the service for its method.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from sip.message import Method, Request
from sip.stack import ServerTransaction
from sip.uri import SipUri
from softswitch.calls.dialogs import DialogRegistry

SUPPORTED_EXTENSIONS: frozenset[str] = frozenset({"path", "outbound"})
"""Option tags a ``Require`` may name without a 420."""

Service = Callable[[ServerTransaction], Awaitable[None]]

_MERGE_WINDOW_S = 32.0
_MERGE_MEMORY = 4096


class SipRouter:
    """Validates requests and hands each to the service registered for its method."""

    def __init__(
        self,
        *,
        local_sent_by: Callable[[], set[str]],
        dialogs: DialogRegistry | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._services: dict[Method, Service] = {}
        self._dialogs = dialogs
        self._local_sent_by = local_sent_by
        self._clock = clock
        self._recent: OrderedDict[tuple[str, str, int, str], tuple[str, float]] = OrderedDict()

    def register(self, method: Method, service: Service) -> None:
        self._services[method] = service

    @property
    def allow(self) -> str:
        """The ``Allow`` header value: exactly the methods that something answers."""
        methods = [Method.ACK, Method.CANCEL, *self._services]
        return ", ".join(dict.fromkeys(m.value for m in methods))

    async def __call__(self, tx: ServerTransaction) -> None:
        request = tx.request
        try:
            method = Method(request.method)
        except ValueError:
            tx.reply(501, headers=[("Allow", self.allow)])
            return
        if not isinstance(request.uri, SipUri):
            tx.reply(416)
            return
        if self._is_loop(request) or self._is_merged(request):
            tx.reply(482)
            return
        unsupported = [
            tag for tag in request.headers.get_all("Require")
            if tag.lower() not in SUPPORTED_EXTENSIONS
        ]
        if unsupported and method is not Method.CANCEL:
            tx.reply(420, headers=[("Unsupported", ", ".join(unsupported))])
            return
        if request.to.tag is not None:
            owner = self._dialogs.for_request(request) if self._dialogs is not None else None
            if owner is not None:
                await owner.handle_in_dialog(tx)
                return
            if method is not Method.OPTIONS:
                tx.reply(481)
                return
        service = self._services.get(method)
        if service is None:
            if method in (Method.BYE, Method.INFO, Method.UPDATE, Method.PRACK, Method.NOTIFY):
                tx.reply(481)
            elif method is Method.SUBSCRIBE:
                tx.reply(489)
            else:
                tx.reply(405, headers=[("Allow", self.allow)])
            return
        await service(tx)

    def _is_loop(self, request: Request) -> bool:
        """A request carrying a Via we added is coming back to us (§16.3 step 4)."""
        ours = self._local_sent_by()
        for via in request.vias[1:]:
            sent_by = f"{via.host}:{via.port or 5060}"
            if sent_by in ours and via.branch and via.branch.startswith("z9hG4bK"):
                return True
        return False

    def _is_merged(self, request: Request) -> bool:
        """The same request reached us by two paths (§8.2.2.2): answer the second with 482."""
        if request.to.tag is not None:
            return False
        key = (request.from_.tag or "", request.call_id, request.cseq.seq, request.method)
        branch = request.top_via.branch or ""
        now = self._clock()
        seen = self._recent.get(key)
        if seen is not None and now - seen[1] < _MERGE_WINDOW_S:
            return seen[0] != branch
        self._recent[key] = (branch, now)
        self._recent.move_to_end(key)
        while len(self._recent) > _MERGE_MEMORY:
            self._recent.popitem(last=False)
        return False
