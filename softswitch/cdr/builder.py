"""Call detail records from the channel events, by Asterisk's rules; no I/O, no clock.

:meth:`CdrBuilder.handle` takes every bus event with the time it happened and returns the
records that became final. Party A is a channel nobody dialled (a phone calling in, an
originated channel); party B is a channel a ``DialBegan`` names as callee, and never has a
record of its own.

Records, one per party-A/party-B pairing:

* A's life is cut into segments. The first starts when A is created; a Dial ends its
  segment at A's next dialplan step (or at A's hangup), and the step after that starts a
  new one, as Asterisk forks a CDR.
* Every callee a Dial rings gets a row (channel = A, dstchannel = B): a parallel ring of
  B and C gives two rows with one start and one linkedid. The row's disposition is that
  callee's ``DialEnded`` status (ANSWER → ANSWERED, BUSY → BUSY, NOANSWER and CANCEL →
  NO ANSWER, CONGESTION, CHANUNAVAIL and anything else → FAILED), or, without one, B's
  answer or hangup cause. An unanswered row ends with its ``DialEnded``; an answered one
  when A or B hangs up (or A's dialplan moves on), and its answer is B's.
* A Dial that could ring nobody (the target is not registered) gives one row with an empty
  dstchannel and the disposition of A's ``DIALSTATUS``. This follows the reference's edge
  case (an unregistered target is logged FAILED); Asterisk itself drops such rows unless
  ``unanswered=yes``.
* A segment without a Dial gives a row only when A was answered in it: ANSWERED, empty
  dstchannel, answer = when the segment saw A up. An unanswered call that never dialled is
  not logged.
* The disposition by hangup cause (rows without a ``DialEnded``, Dials without a
  ``DIALSTATUS``): 17 → BUSY; 34, 42, 3, 20 and no cause at all → FAILED; any other →
  NO ANSWER. CONGESTION and CANCEL dispositions (Asterisk's ``congestion`` and
  ``canceldispositionenabled`` options) are never produced.

Fields: ``lastapp``/``lastdata``, ``dst`` and ``dcontext`` are the application, arguments,
exten and context of A's Dial step (of A's last step before the hangup, for rows without a
Dial); the ``h`` extension does not change them, as in Asterisk. ``src``,
``clid`` (``"Name" <number>``), ``accountcode``, ``amaflags`` (DOCUMENTATION unless
``CDR(amaflags)`` changed it), ``userfield`` and the CDR variables are A's when A hangs up,
so a value the ``h`` extension sets is kept; ``peeraccount`` is B's account code. ``end``
is the moment of the hangup, not the end of ``h`` (the ``endbeforehexten`` question);
``duration`` and ``billsec`` are whole seconds rounded down, ``billsec`` 0 when unanswered.
``sequence`` is this process's counter, numbering rows in the order they became final.

``source``, ``destination``, ``direction`` and ``group_uuid`` are left empty (NULL): the
Evolvex example row has all four NULL for a routed call and the documentation says nothing
of what fills them, so the switch writes them as Evolvex does and keeps whatever an adopted
database already holds.

Rows are returned when party A's ``ChannelEnded`` arrives, all of A's at once;
:meth:`CdrBuilder.close` ends the calls still open (a shutdown) as if they hung up then.
"""

from __future__ import annotations

import datetime
import itertools
import math
from dataclasses import dataclass, field

from dialplan_engine.funcs.cdr import AMAFLAGS, USERFIELD, caller_id
from softswitch.channel import Channel, HangupCause
from softswitch.events import (
    ChannelCreated,
    ChannelEnded,
    DialBegan,
    DialEnded,
    DialplanStep,
    Event,
)
from softswitch.storage.records import AmaFlags, CdrRecord, Disposition

_DIAL_STATUSES = {
    "ANSWER": Disposition.ANSWERED,
    "BUSY": Disposition.BUSY,
    "NOANSWER": Disposition.NO_ANSWER,
    "CANCEL": Disposition.NO_ANSWER,
}
"""DIALSTATUS → disposition; CONGESTION, CHANUNAVAIL and the rest are FAILED."""

_FAILED_CAUSES = frozenset({
    HangupCause.NOT_DEFINED,
    HangupCause.NO_ROUTE_DESTINATION,
    HangupCause.SUBSCRIBER_ABSENT,
    HangupCause.NORMAL_CIRCUIT_CONGESTION,
    HangupCause.SWITCH_CONGESTION,
})


def disposition_for_status(status: str) -> Disposition:
    return _DIAL_STATUSES.get(status.upper(), Disposition.FAILED)


def disposition_for_cause(cause: HangupCause | None) -> Disposition:
    if cause is None or cause in _FAILED_CAUSES:
        return Disposition.FAILED
    if cause is HangupCause.USER_BUSY:
        return Disposition.BUSY
    return Disposition.NO_ANSWER


@dataclass(frozen=True, slots=True)
class _Place:
    """Where A's dialplan is: what ``lastapp``, ``lastdata``, ``dst``, ``dcontext`` show."""

    context: str
    exten: str
    application: str
    data: str

    @classmethod
    def of(cls, channel: Channel) -> _Place:
        return cls(context=channel.context, exten=channel.exten,
                   application=channel.application, data=channel.data)


@dataclass(slots=True)
class _Pairing:
    callee: Channel
    place: _Place
    status: str | None = None
    """The callee's ``DialEnded`` status, once known."""
    ended: float | None = None
    """When an unanswered pairing was over (its ``DialEnded``)."""
    answered: float | None = None
    """When ``DialEnded`` said ANSWER, for a callee that has no answer time of its own."""


@dataclass(slots=True)
class _Segment:
    """An open CDR of party A: one row, or one per callee of its Dial."""

    start: float
    place: _Place
    dialled: bool = False
    """A Dial ran in this segment."""
    pairings: list[_Pairing] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Draft:
    """A finished row of A, completed from A's fields when A hangs up."""

    start: float
    end: float
    answer: float | None
    disposition: Disposition
    place: _Place
    callee: Channel | None


@dataclass(slots=True)
class _PartyA:
    channel: Channel
    segment: _Segment | None
    drafts: list[_Draft] = field(default_factory=list)


class CdrBuilder:
    """Consumes the bus's channel events and returns finished :class:`CdrRecord` rows."""

    def __init__(self, *, first_sequence: int = 0) -> None:
        self._sequence = itertools.count(first_sequence)
        self._parties: dict[str, _PartyA] = {}
        """Party A channels by uniqueid."""
        self._callees: set[str] = set()
        """Uniqueids of the dialled channels still up."""

    def handle(self, event: Event, now: float) -> list[CdrRecord]:
        """Take *event*, which happened at *now* (epoch seconds); return the rows it ended."""
        match event:
            case ChannelCreated(channel=channel):
                self._party(channel)
            case DialplanStep():
                self._step(event, now)
            case DialBegan(caller=caller, callee=callee):
                self._dial_began(caller, callee, now)
            case DialEnded(caller=caller, callee=callee, status=status):
                self._dial_ended(caller, callee, status, now)
            case ChannelEnded(channel=channel):
                return self._ended(channel, now)
        return []

    def close(self, now: float) -> list[CdrRecord]:
        """The rows of every call still open, ended at *now* (or at A's hangup, if any)."""
        rows: list[CdrRecord] = []
        for party in list(self._parties.values()):
            rows.extend(self._ended(party.channel, now))
        self._callees.clear()
        return rows

    # -- events ---------------------------------------------------------------------------

    def _party(self, channel: Channel) -> _PartyA | None:
        """A's state, created on first sight (the builder may start after a channel did)."""
        if channel.uniqueid in self._callees:
            return None
        party = self._parties.get(channel.uniqueid)
        if party is None:
            party = _PartyA(channel=channel,
                            segment=_Segment(start=channel.created_at, place=_Place.of(channel)))
            self._parties[channel.uniqueid] = party
        return party

    def _step(self, event: DialplanStep, now: float) -> None:
        channel = event.channel
        if channel.hangup_cause is not None or event.exten == "h":
            # After the hangup the record is what the call was, not what h does.
            return
        party = self._party(channel)
        if party is None:
            return
        segment = party.segment
        if segment is not None and (segment.dialled or segment.pairings):
            # The Dial returned: its rows are final, and this step forks a new record.
            self._close_segment(party, now)
            segment = None
        place = _Place(context=event.context, exten=event.exten,
                       application=event.application, data=event.appdata)
        if segment is None:
            party.segment = _Segment(start=now, place=place)
        else:
            segment.place = place
        if event.application.lower() == "dial":
            assert party.segment is not None
            party.segment.dialled = True

    def _dial_began(self, caller: Channel, callee: Channel, now: float) -> None:
        self._parties.pop(callee.uniqueid, None)
        self._callees.add(callee.uniqueid)
        party = self._party(caller)
        if party is None:
            return
        if party.segment is None:
            party.segment = _Segment(start=now, place=_Place.of(caller))
        party.segment.dialled = True
        party.segment.pairings.append(_Pairing(callee=callee, place=party.segment.place))

    def _dial_ended(self, caller: Channel, callee: Channel, status: str, now: float) -> None:
        party = self._parties.get(caller.uniqueid)
        if party is None or party.segment is None:
            return
        for pairing in party.segment.pairings:
            if pairing.callee.uniqueid == callee.uniqueid and pairing.status is None:
                pairing.status = status
                if disposition_for_status(status) is Disposition.ANSWERED:
                    pairing.answered = now
                else:
                    pairing.ended = now
                return

    def _ended(self, channel: Channel, now: float) -> list[CdrRecord]:
        self._callees.discard(channel.uniqueid)
        party = self._parties.pop(channel.uniqueid, None)
        if party is None:
            return []
        end = channel.ended_at if channel.ended_at is not None else now
        self._close_segment(party, end)
        return [self._record(draft, channel) for draft in party.drafts]

    # -- rows -----------------------------------------------------------------------------

    def _close_segment(self, party: _PartyA, end: float) -> None:
        segment = party.segment
        party.segment = None
        if segment is None:
            return
        channel = party.channel
        if segment.pairings:
            party.drafts.extend(_pairing_draft(segment, pairing, end)
                                for pairing in segment.pairings)
        elif segment.dialled:
            status = channel.variables.get("DIALSTATUS")
            disposition = (disposition_for_status(status) if status
                           else disposition_for_cause(channel.hangup_cause))
            party.drafts.append(_Draft(start=segment.start, end=end, answer=None,
                                       disposition=disposition, place=segment.place,
                                       callee=None))
        elif channel.answered_at is not None and channel.answered_at <= end:
            party.drafts.append(_Draft(start=segment.start, end=end,
                                       answer=max(segment.start, channel.answered_at),
                                       disposition=Disposition.ANSWERED,
                                       place=segment.place, callee=None))

    def _record(self, draft: _Draft, party_a: Channel) -> CdrRecord:
        fields = party_a.cdr_fields
        callee = draft.callee
        try:
            amaflags = AmaFlags(fields.get(AMAFLAGS, AmaFlags.DOCUMENTATION))
        except ValueError:
            amaflags = AmaFlags.DOCUMENTATION
        return CdrRecord(
            accountcode=party_a.accountcode or None,
            src=party_a.caller_num or None,
            dst=draft.place.exten or None,
            dcontext=draft.place.context or None,
            clid=caller_id(party_a.caller_name, party_a.caller_num) or None,
            channel=party_a.name,
            dstchannel=callee.name if callee is not None else None,
            lastapp=draft.place.application or None,
            lastdata=draft.place.data or None,
            start=_local_time(draft.start),
            answer=_local_time(draft.answer) if draft.answer is not None else None,
            end=_local_time(draft.end),
            duration=_whole_seconds(draft.end - draft.start),
            billsec=_whole_seconds(draft.end - draft.answer) if draft.answer is not None else 0,
            disposition=draft.disposition,
            amaflags=amaflags,
            userfield=fields.get(USERFIELD) or None,
            uniqueid=party_a.uniqueid,
            linkedid=party_a.linkedid or party_a.uniqueid,
            peeraccount=(callee.accountcode or None) if callee is not None else None,
            sequence=next(self._sequence),
            variables=tuple((name, value) for name, value in fields.items()
                            if name not in (AMAFLAGS, USERFIELD)),
        )


def _pairing_draft(segment: _Segment, pairing: _Pairing, closed: float) -> _Draft:
    callee = pairing.callee
    answer = callee.answered_at if callee.answered_at is not None else pairing.answered
    if pairing.status is not None:
        disposition = disposition_for_status(pairing.status)
    elif answer is not None:
        disposition = Disposition.ANSWERED
    elif callee.hangup_cause is not None:
        disposition = disposition_for_cause(callee.hangup_cause)
    else:
        # Still ringing when A went away: A cancelled it.
        disposition = Disposition.NO_ANSWER
    if disposition is not Disposition.ANSWERED:
        answer = None
    ends = [closed]
    if pairing.ended is not None:
        ends.append(pairing.ended)
    if callee.ended_at is not None:
        ends.append(callee.ended_at)
    return _Draft(start=segment.start, end=max(segment.start, min(ends)), answer=answer,
                  disposition=disposition, place=pairing.place, callee=callee)


def _local_time(epoch: float) -> datetime.datetime:
    """Local time in whole seconds, as Asterisk formats CDR times."""
    return datetime.datetime.fromtimestamp(math.floor(epoch))


def _whole_seconds(seconds: float) -> int:
    # Rounded to microseconds first, so 12.0 computed as 11.999999999 still counts as 12.
    return max(0, math.floor(round(seconds, 6)))
