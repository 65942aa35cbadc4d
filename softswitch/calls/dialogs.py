"""Which call leg owns a dialog, so in-dialog requests and ACKs reach it."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from sip.address import Address
from sip.dialog import DialogId
from sip.message import Request, Response
from sip.stack import ServerTransaction


class DialogOwner(Protocol):
    def handle_in_dialog(self, tx: ServerTransaction) -> Awaitable[None]: ...

    def handle_ack(self, request: Request, source: Address) -> None: ...

    def handle_stray_response(self, response: Response, source: Address) -> None: ...


class DialogRegistry:
    def __init__(self) -> None:
        self._owners: dict[DialogId, DialogOwner] = {}

    def __len__(self) -> int:
        return len(self._owners)

    def add(self, dialog_id: DialogId, owner: DialogOwner) -> None:
        self._owners[dialog_id] = owner

    def remove(self, dialog_id: DialogId) -> None:
        self._owners.pop(dialog_id, None)

    def for_request(self, request: Request) -> DialogOwner | None:
        """Requests from the peer carry our tag in To and theirs in From."""
        return self._owners.get(
            DialogId(request.call_id, request.to.tag or "", request.from_.tag or "")
        )

    def for_response(self, response: Response) -> DialogOwner | None:
        """Responses to our requests carry our tag in From and theirs in To."""
        return self._owners.get(
            DialogId(response.call_id, response.from_.tag or "", response.to.tag or "")
        )
