"""Out-of-dialog OPTIONS: the health check phones and trunks send us (sip-interop §8)."""

from __future__ import annotations

from collections.abc import Callable

from sip.stack import ServerTransaction
from sip.uri import SipUri
from softswitch.storage.repository import Store


class OptionsService:
    def __init__(self, store: Store, allow: Callable[[], str]) -> None:
        self._store = store
        self._allow = allow

    async def handle(self, tx: ServerTransaction) -> None:
        uri = tx.request.uri
        if isinstance(uri, SipUri) and uri.user and tx.request.to.tag is None:
            known = await self._store.get_endpoint(uri.user) is not None
            if not known:
                tx.reply(404)
                return
        tx.reply(
            200,
            headers=[
                ("Allow", self._allow()),
                ("Accept", "application/sdp"),
                ("Accept-Encoding", "identity"),
                ("Accept-Language", "en"),
                ("Supported", "path, outbound"),
            ],
        )
