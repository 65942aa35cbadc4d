"""The binding logic of a registrar (RFC 3261 §10.3, RFC 5626 instance ids), without I/O.

A REGISTER is reduced to a :class:`RegisterRequestView`; :func:`apply_register` decides it
against the current bindings of one address-of-record and its :class:`AorPolicy`, and returns
a :class:`RegisterDecision` saying what to store and what to answer. Storage, authentication
and sending the response belong to the caller::

    view = RegisterRequestView.from_request(request)
    decision = apply_register(view, policy, stored_bindings, now=time.time())
    # persist decision.added / updated / removed, then answer decision.status with
    # Contact: contact_header_values(decision.current, now=...)

Choices where the RFC leaves room or Asterisk differs:

* A requested expiry below ``minimum_expiration`` is raised to it, as Asterisk does; with
  ``strict_min_expires`` the request gets ``423`` and ``Min-Expires`` instead (RFC 3261 §10.3
  step 7 makes 423 a MAY). Above ``maximum_expiration`` it is lowered, which step 7 allows.
* A request with the Call-ID of a binding it touches but a CSeq not higher than that
  binding's aborts as a whole with ``500 Stale CSeq`` and changes nothing: steps 6 and 7 say
  "the update is aborted and the request fails", and the RFC answers a failed, atomic
  update with 500. For ``Contact: *`` every binding counts as touched.
* When the new bindings would exceed ``max_contacts``: with ``remove_existing`` the bindings
  this request did not touch are dropped, soonest to expire first (Asterisk's rule);
  otherwise, or if that is not enough, ``403``. Requests that add nothing are never refused
  for the count, so an AOR whose limit was lowered can still refresh and unregister.
* ``max_contacts`` 0 refuses every REGISTER, queries included, with ``403``.
* A contact carrying ``+sip.instance`` replaces the binding with the same instance and reg-id
  even when its URI changed (RFC 5626 §6), e.g. a phone that moved networks.
* The same URI twice in one request is one binding; the later occurrence wins.
* A malformed ``expires`` Contact parameter counts as absent (RFC 3261 §20.19 asks for 3600,
  which is what the Expires header or the AOR default then usually gives).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from sip.message import Request
from sip.uri import NameAddr, SipUri

__all__ = [
    "AorPolicy",
    "Binding",
    "ContactView",
    "RegisterDecision",
    "RegisterRequestView",
    "apply_register",
    "contact_header_values",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class AorPolicy:
    """The ``ps_aors`` settings that govern registration."""

    max_contacts: int
    """How many bindings the AOR may hold; 0 refuses registration."""
    remove_existing: bool
    """Make room for new bindings by dropping the ones closest to expiry."""
    default_expiration: int = 3600
    """Granted when the request names no expiry; clamped like any requested value."""
    minimum_expiration: int = 60
    maximum_expiration: int = 7200
    strict_min_expires: bool = False
    """Answer ``423`` below the minimum instead of raising the expiry to it."""

    def __post_init__(self) -> None:
        if self.max_contacts < 0:
            raise ValueError(f"max_contacts must not be negative, got {self.max_contacts}")
        if not 1 <= self.minimum_expiration <= self.maximum_expiration:
            raise ValueError(
                "expected 1 <= minimum_expiration <= maximum_expiration, got "
                f"{self.minimum_expiration} and {self.maximum_expiration}"
            )
        if self.default_expiration < 1:
            raise ValueError(f"default_expiration must be positive, got {self.default_expiration}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Binding:
    """One registered contact of an AOR."""

    uri: str
    """The Contact URI, normalised by parsing and re-serialising; the binding's identity."""
    contact: str
    """The Contact header value to echo in the 200, without its ``expires`` parameter."""
    expires_at: float
    """Absolute time, on the clock the caller passes as ``now``."""
    call_id: str
    cseq: int
    instance: str | None = None
    """``+sip.instance`` (RFC 5626), e.g. ``<urn:uuid:...>``."""
    reg_id: str | None = None
    user_agent: str | None = None
    path: tuple[str, ...] = ()
    """``Path`` header values (RFC 3327), first hop first: the route to reach the contact."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactView:
    """One Contact of a REGISTER, reduced to what the registrar needs."""

    contact: str
    """The header value without its ``expires`` parameter."""
    uri: str
    """The URI, normalised the same way as :attr:`Binding.uri`."""
    expires: int | None = None
    """The ``expires`` parameter, when present."""
    instance: str | None = None
    reg_id: str | None = None

    def __post_init__(self) -> None:
        if self.expires is not None and self.expires < 0:
            raise ValueError(f"expires must not be negative, got {self.expires}")

    @classmethod
    def from_name_addr(cls, address: NameAddr) -> ContactView:
        """Reduce one parsed Contact value."""
        uri = address.uri
        if isinstance(uri, SipUri):
            # RFC 3261 §19.1.4 compares hosts case-insensitively; the scheme is already
            # lower-cased by the parser. Other differences stay significant.
            uri = dataclasses.replace(uri, host=uri.host.lower())
        instance = address.param("+sip.instance")
        return cls(
            contact=str(address.without_params("expires")),
            uri=str(uri),
            expires=_expires_param(address.param("expires")),
            instance=_unquote(instance) if instance is not None else None,
            reg_id=address.param("reg-id"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterRequestView:
    """The parts of a REGISTER that decide its outcome, as plain values."""

    call_id: str
    cseq: int
    contacts: tuple[ContactView, ...] = ()
    star: bool = False
    """The request carried ``Contact: *``."""
    expires: int | None = None
    """The ``Expires`` header."""
    user_agent: str | None = None
    path: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.cseq < 0:
            raise ValueError(f"cseq must not be negative, got {self.cseq}")
        if self.expires is not None and self.expires < 0:
            raise ValueError(f"expires must not be negative, got {self.expires}")

    @classmethod
    def from_request(cls, request: Request) -> RegisterRequestView:
        """Reduce a parsed REGISTER.

        Raises :class:`~sip.errors.ParseError` (400) for a malformed Call-ID, CSeq, Contact,
        Expires or Path header.
        """
        return cls(
            call_id=request.call_id,
            cseq=request.cseq.seq,
            contacts=tuple(ContactView.from_name_addr(address) for address in request.contacts),
            star=request.contact_is_star,
            expires=request.expires,
            user_agent=request.headers.get("User-Agent"),
            path=tuple(str(NameAddr.parse(value)) for value in request.headers.get_all("Path")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterDecision:
    """What to answer and what to store.

    Any status but 200 changes nothing except that ``removed`` still lists the bindings found
    expired, which are gone either way; ``current`` is then the live bindings as they were.
    """

    status: int
    reason: str
    added: tuple[Binding, ...] = ()
    updated: tuple[Binding, ...] = ()
    """New versions of existing bindings, with the same URI."""
    removed: tuple[Binding, ...] = ()
    """Bindings to delete: expired, unregistered, replaced by instance id, or evicted."""
    current: tuple[Binding, ...] = ()
    """Every binding of the AOR after the request, for the 200's Contact list."""
    min_expires: int | None = None
    """For 423: the ``Min-Expires`` value."""


def apply_register(
    view: RegisterRequestView,
    policy: AorPolicy,
    existing: Sequence[Binding],
    *,
    now: float,
) -> RegisterDecision:
    """Decide a REGISTER for one AOR holding ``existing`` bindings at time ``now``."""
    live = tuple(binding for binding in existing if binding.expires_at > now)
    expired = tuple(binding for binding in existing if binding.expires_at <= now)

    def refuse(status: int, reason: str, min_expires: int | None = None) -> RegisterDecision:
        return RegisterDecision(
            status=status, reason=reason, removed=expired, current=live, min_expires=min_expires
        )

    if policy.max_contacts == 0:
        return refuse(403, "Registration not allowed")
    if view.star:
        if view.contacts or view.expires != 0:
            return refuse(400, "Contact * needs Expires: 0 and no other Contact")
        if any(_is_stale(binding, view) for binding in live):
            return refuse(500, "Stale CSeq")
        return RegisterDecision(status=200, reason="OK", removed=expired + live)
    if not view.contacts:
        return RegisterDecision(status=200, reason="OK", removed=expired, current=live)

    # A URI listed twice is one binding; the later occurrence is what the client meant last.
    requested = list({contact.uri: contact for contact in view.contacts}.values())
    grants: list[int] = []
    for contact in requested:
        grant = _grant(contact, view, policy)
        if grant is None:
            return refuse(423, "Interval Too Brief", min_expires=policy.minimum_expiration)
        grants.append(grant)

    working = list(live)
    touched: set[str] = set()
    added: list[Binding] = []
    updated: list[Binding] = []
    removed = list(expired)
    for contact, grant in zip(requested, grants, strict=True):
        index = _find(working, contact, touched)
        if index is not None and _is_stale(working[index], view):
            return refuse(500, "Stale CSeq")
        if grant == 0:
            if index is not None:
                removed.append(working.pop(index))
            continue
        binding = Binding(
            uri=contact.uri,
            contact=contact.contact,
            expires_at=now + grant,
            call_id=view.call_id,
            cseq=view.cseq,
            instance=contact.instance,
            reg_id=contact.reg_id,
            user_agent=view.user_agent,
            path=view.path,
        )
        touched.add(binding.uri)
        if index is None:
            working.append(binding)
            added.append(binding)
            continue
        previous = working[index]
        # Replacing in place keeps the 200's Contact list in registration order.
        working[index] = binding
        if previous.uri == binding.uri:
            updated.append(binding)
        else:
            removed.append(previous)
            added.append(binding)

    excess = len(working) - policy.max_contacts
    if added and excess > 0:
        if not policy.remove_existing:
            return refuse(403, "Too many contacts")
        # sorted() is stable, so among equal expiries the earlier registered goes first.
        candidates = sorted(
            (binding for binding in working if binding.uri not in touched),
            key=lambda binding: binding.expires_at,
        )
        if len(candidates) < excess:
            return refuse(403, "Too many contacts")
        evicted = candidates[:excess]
        working = [binding for binding in working if binding not in evicted]
        removed.extend(evicted)

    return RegisterDecision(
        status=200,
        reason="OK",
        added=tuple(added),
        updated=tuple(updated),
        removed=tuple(removed),
        current=tuple(working),
    )


def contact_header_values(decision_current: Sequence[Binding], *, now: float) -> list[str]:
    """The Contact values of a 200 to REGISTER: each binding with its remaining ``expires``.

    The remaining time is rounded to the nearest second, so the few milliseconds between
    deciding and answering do not shave a second off what was just granted; it never reads
    below 1 for a live binding, since 0 would tell the client it was removed.
    """
    return [
        f"{binding.contact};expires={max(1, round(binding.expires_at - now))}"
        for binding in decision_current
    ]


# RFC 3261 §20.19: larger values are to be read as this maximum.
_MAX_EXPIRES = 2**32 - 1


def _expires_param(value: str | None) -> int | None:
    # RFC 3261 §20.19 says a malformed value should count as 3600; treating it as absent
    # lets the Expires header or the AOR default apply, which is 3600 unless configured.
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    # The length check keeps int() clear of CPython's limit on huge digit strings.
    return _MAX_EXPIRES if len(value) > 10 else min(int(value), _MAX_EXPIRES)


def _unquote(value: str) -> str:
    # Instance ids are URNs in angle brackets and hold no escapes, so stripping the
    # quotes is enough; it makes the quoted and bare spellings compare equal.
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return value[1:-1]
    return value


def _is_stale(binding: Binding, view: RegisterRequestView) -> bool:
    return binding.call_id == view.call_id and view.cseq <= binding.cseq


def _grant(contact: ContactView, view: RegisterRequestView, policy: AorPolicy) -> int | None:
    """The expiry to grant, 0 to remove, or None when strict policy refuses it."""
    if contact.expires is not None:
        asked = contact.expires
    elif view.expires is not None:
        asked = view.expires
    else:
        return min(
            max(policy.default_expiration, policy.minimum_expiration), policy.maximum_expiration
        )
    if asked == 0:
        return 0
    if asked < policy.minimum_expiration:
        if policy.strict_min_expires:
            return None
        return policy.minimum_expiration
    return min(asked, policy.maximum_expiration)


def _find(working: list[Binding], contact: ContactView, touched: set[str]) -> int | None:
    """Index of the binding this contact refreshes, by URI first, then by instance."""
    for index, binding in enumerate(working):
        if binding.uri == contact.uri:
            return index
    if contact.instance is None:
        return None
    for index, binding in enumerate(working):
        if (
            binding.uri not in touched
            and binding.instance == contact.instance
            and binding.reg_id == contact.reg_id
        ):
            return index
    return None
