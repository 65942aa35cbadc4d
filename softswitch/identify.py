"""Which endpoint sent a request (Asterisk's ``endpoint_identifier_order``).

Order: ``ip`` (identify rows matching the source address), then ``username`` (the From user,
first as ``user@domain``, then alone, equal to an endpoint id), then ``auth_username`` (the
digest username of an auth object an endpoint uses), each only where the endpoint's own
``identify_by`` allows it.
"""

from __future__ import annotations

from sip.address import Address
from sip.auth import DigestCredentials, DigestParseError
from sip.message import Request
from sip.uri import SipUri
from softswitch.storage.records import EndpointRecord
from softswitch.storage.repository import Store


class EndpointIdentifier:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def identify(self, request: Request, source: Address) -> EndpointRecord | None:
        by_ip = await self._store.find_endpoint_by_ip(source.host, source.port)
        if by_ip is not None and "ip" in by_ip.identify_by:
            return by_ip
        uri = request.from_.uri
        if isinstance(uri, SipUri) and uri.user:
            for candidate in (f"{uri.user}@{uri.host}", uri.user):
                endpoint = await self._store.get_endpoint(candidate)
                if endpoint is not None and "username" in endpoint.identify_by:
                    return endpoint
        header = request.headers.get("Authorization")
        if header is not None:
            try:
                username = DigestCredentials.parse(header).username
            except DigestParseError:
                return None
            endpoint = await self._store.find_endpoint_by_auth_username(username)
            if endpoint is not None and "auth_username" in endpoint.identify_by:
                return endpoint
        return None
