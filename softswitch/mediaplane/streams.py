"""One RTP stream of the media engine: its sockets, what it was told, what it has seen.

The engine's packet path reads and writes these attributes directly, so the class is a plain
slotted record plus its transitions: configuring, latching onto a peer, restarting receive
tracking when the peer's source changes, mapping relayed packets onto our own sequence and
timestamp (re-based whenever what we send switches source), and its RTCP.
"""

from __future__ import annotations

import ipaddress
import math
import random
import socket
from typing import TYPE_CHECKING

from rtp.packet import Buffer
from rtp.rtcp import (
    SDES_CNAME,
    ReportBlock,
    RtcpParseError,
    SdesChunk,
    SdesItem,
    SenderReport,
    SourceDescription,
    build_compound,
    ntp_from_unix,
    ntp_middle32,
    parse_compound,
)
from rtp.seq import uint16_add, uint16_diff, uint32_add
from softswitch.mediaplane.protocol import Codec, Configure, StreamStats

if TYPE_CHECKING:
    from rtp.dtmf import DtmfReceiver
    from softswitch.mediaplane.player import DigitPlayback, Playback
    from softswitch.mediaplane.ports import PortPair
    from softswitch.mediaplane.recorder import Recording, Tap

SAMPLE_RATE = 8000
LOCAL_SOURCE = -1
"""``fwd_epoch`` while we send our own audio (playback) rather than relay a peer's."""
NO_SOURCE = -2
RTCP_INTERVAL_S = 5.0
MAX_DROPOUT = 3000
MAX_MISORDER = 100
"""RFC 3550 A.1: a sequence number further ahead or behind than this is a restarted source."""

Sockaddr = tuple[str, int] | tuple[str, int, int, int]
STATIC_PAYLOAD_TYPES: dict[int, Codec] = {0: "PCMU", 8: "PCMA"}


def sockaddr(family: socket.AddressFamily, host: str, port: int) -> Sockaddr:
    """The address tuple ``recvfrom`` would report for *host*, so the two compare equal.

    Raises ``ValueError`` for a name or an address of the other family: the media plane does
    not resolve names, and SDP carries numbers.
    """
    address = ipaddress.ip_address(host)
    if (address.version == 6) != (family == socket.AF_INET6):
        raise ValueError(f"{host} is not an IPv{6 if family == socket.AF_INET6 else 4} address")
    if family == socket.AF_INET6:
        return (address.compressed, port, 0, 0)
    return (address.compressed, port)


class Stream:
    __slots__ = (
        "bridge_id",
        "bytes_received",
        "bytes_sent",
        "codec",
        "configured",
        "digits",
        "dtmf",
        "dtmf_pt",
        "family",
        "fwd_epoch",
        "last_rx",
        "last_sr",
        "latched",
        "lost_before",
        "marker_next",
        "packets_received",
        "packets_sent",
        "pair",
        "peer",
        "player",
        "pt",
        "receiving",
        "recordings",
        "remote",
        "rtcp_expected_prior",
        "rtcp_from",
        "rtcp_received",
        "rtcp_received_prior",
        "rtcp_sent_at",
        "rtp",
        "rtp_timeout_s",
        "rx_base",
        "rx_count",
        "rx_empty_at",
        "rx_epoch",
        "rx_ext_max",
        "rx_from",
        "rx_max_seq",
        "rx_ssrc",
        "rx_tap",
        "sdp_remote",
        "sending",
        "sent_at",
        "seq",
        "seq_off",
        "spp",
        "ssrc",
        "stream_id",
        "symmetric",
        "timed_out",
        "timeout_since",
        "ts",
        "ts_off",
        "tx_tap",
    )

    def __init__(self, stream_id: int, pair: PortPair, family: socket.AddressFamily) -> None:
        self.stream_id = stream_id
        self.pair = pair
        self.rtp = pair.rtp
        self.family = family
        # configuration
        self.configured = False
        self.codec: Codec = "PCMU"
        self.pt = 0
        self.dtmf_pt: int | None = None
        self.spp = 160
        self.symmetric = True
        self.sending = False
        self.receiving = False
        self.rtp_timeout_s: float | None = None
        self.sdp_remote: Sockaddr | None = None
        self.remote: Sockaddr | None = None
        """Where we send: the SDP address until symmetric RTP latches onto the real source."""
        self.latched = False
        self.rx_from: Sockaddr | None = None
        """The only source accepted once symmetric RTP latched; ``None`` accepts the next."""
        # what we receive
        self.packets_received = 0
        self.bytes_received = 0
        self.rtcp_received = 0
        self.last_sr: tuple[int, float] | None = None
        """The peer's last sender report: NTP middle 32 bits and when it arrived."""
        self.rtcp_sent_at = -math.inf
        self.rtcp_from: Sockaddr | None = None
        self.rtcp_expected_prior = 0
        self.rtcp_received_prior = 0
        self.last_rx: float | None = None
        self.rx_empty_at = -math.inf
        """When the RTP socket was last read to the end; long ago, it may hold stale audio."""
        self.timeout_since = 0.0
        self.timed_out = False
        self.rx_ssrc = -1
        self.rx_max_seq = 0
        self.rx_ext_max = 0
        self.rx_base = 0
        self.rx_count = 0
        self.lost_before = 0
        self.rx_epoch = NO_SOURCE
        """Changes whenever the peer's source restarts (new SSRC or a sequence jump)."""
        # what we send: one SSRC for the stream's life, whoever the audio comes from
        self.ssrc = random.getrandbits(32)
        self.seq = random.getrandbits(16)
        self.ts = random.getrandbits(32)
        self.sent_at: float | None = None
        self.fwd_epoch = NO_SOURCE
        """The source ``seq_off``/``ts_off`` were computed for; anything else re-bases them."""
        self.seq_off = 0
        self.ts_off = 0
        self.marker_next = False
        self.packets_sent = 0
        self.bytes_sent = 0
        # attachments
        self.peer: Stream | None = None
        self.bridge_id: int | None = None
        self.player: Playback | None = None
        self.digits: DigitPlayback | None = None
        self.recordings: list[Recording] = []
        self.rx_tap: Tap | None = None
        self.tx_tap: Tap | None = None
        self.dtmf: DtmfReceiver | None = None

    @property
    def port(self) -> int:
        return self.pair.port

    def configure(self, cmd: Configure, now: float) -> None:
        """Apply an offer/answer: where to send, what, and in which directions."""
        remote = (
            None
            if cmd.remote_host is None or cmd.remote_port is None
            else sockaddr(self.family, cmd.remote_host, cmd.remote_port)
        )
        self.configured = True
        self.codec = cmd.codec
        self.pt = cmd.payload_type
        self.dtmf_pt = cmd.dtmf_payload_type
        self.spp = cmd.ptime_ms * SAMPLE_RATE // 1000
        self.sending = cmd.direction in ("sendrecv", "sendonly")
        self.receiving = cmd.direction in ("sendrecv", "recvonly")
        self.rtp_timeout_s = cmd.rtp_timeout_s
        self.timeout_since = now
        if self.rtcp_sent_at == -math.inf:
            # The first report after half an interval, as RFC 3550 6.2 has new members do.
            self.rtcp_sent_at = now - RTCP_INTERVAL_S / 2
        self.timed_out = False
        # Latching starts over on every offer/answer: the peer may have moved.
        self.rx_from = None
        self.rtcp_from = None
        if remote != self.sdp_remote or cmd.symmetric != self.symmetric:
            self.sdp_remote = remote
            self.remote = remote
            self.latched = False
        self.symmetric = cmd.symmetric

    def latch(self, addr: Sockaddr) -> bool:
        """Take the first source of RTP as the peer's address; whether it differs from SDP."""
        self.latched = True
        self.remote = addr
        return addr != self.sdp_remote

    def restart_rx(self, ssrc: int, seq: int, epoch: int) -> None:
        """A new source from the peer: keep its losses so far, start counting afresh."""
        self.lost_before = self.lost
        self.rx_ssrc = ssrc
        self.rx_max_seq = seq
        self.rx_ext_max = seq
        self.rx_base = seq
        self.rx_count = 0
        self.rx_epoch = epoch

    @property
    def lost(self) -> int:
        if self.rx_ssrc < 0:
            return self.lost_before
        expected = self.rx_ext_max - self.rx_base + 1
        return self.lost_before + max(0, expected - self.rx_count)

    def rebase(self, epoch: int, seq: int, ts: int, now: float) -> None:
        """Map a new source's (seq, ts) onto ours so the peer sees one continuous stream.

        The next packet gets our last sequence number + 1 and a timestamp advanced by the wall
        time since we last sent (at least one packet's worth), with the marker bit set.
        """
        step = self.spp
        if self.sent_at is not None:
            frames = round((now - self.sent_at) * SAMPLE_RATE / self.spp)
            step = max(1, frames) * self.spp
        self.seq_off = uint16_diff(uint16_add(self.seq, 1), seq)
        self.ts_off = uint32_add(uint32_add(self.ts, step), -ts)
        self.fwd_epoch = epoch
        self.marker_next = True

    def forward(self, epoch: int, seq: int, ts: int, now: float) -> tuple[int, int, bool]:
        """Our sequence number, timestamp and forced marker for a relayed packet.

        Re-bases first if the packet comes from another source than the last one relayed;
        the newest relayed packet is remembered so the next re-base continues from it.
        """
        if self.fwd_epoch != epoch:
            self.rebase(epoch, seq, ts, now)
        out_seq = uint16_add(seq, self.seq_off)
        out_ts = uint32_add(ts, self.ts_off)
        marker = self.marker_next
        self.marker_next = False
        if uint16_diff(out_seq, self.seq) > 0:
            self.seq = out_seq
            self.ts = out_ts
        return out_seq, out_ts, marker

    def next_local(self, now: float) -> tuple[int, int, bool]:
        """Sequence number, timestamp and marker for a packet we generate ourselves."""
        if self.fwd_epoch != LOCAL_SOURCE:
            # Offsets from a source numbered (0, 0) are the next numbers themselves.
            self.rebase(LOCAL_SOURCE, 0, 0, now)
            self.marker_next = False
            self.seq = uint16_add(0, self.seq_off)
            self.ts = uint32_add(0, self.ts_off)
            return self.seq, self.ts, True
        self.seq = uint16_add(self.seq, 1)
        self.ts = uint32_add(self.ts, self.spp)
        return self.seq, self.ts, False

    def on_rtcp(self, data: Buffer, addr: Sockaddr, now: float) -> bool:
        """Take note of the peer's sender report; whether *data* was RTCP at all."""
        try:
            packets = parse_compound(data)
        except RtcpParseError:
            return False
        self.rtcp_received += 1
        if self.symmetric and self.configured:
            # Behind NAT the RTCP port is mapped apart from the RTP one: answer where it came from.
            self.rtcp_from = addr
        for packet in packets:
            if isinstance(packet, SenderReport) and packet.ssrc == self.rx_ssrc:
                self.last_sr = (ntp_middle32(packet.ntp_timestamp), now)
        return True

    def rtcp_report(self, now: float, wallclock: float, cname: str) -> bytes:
        """A compound SR + SDES: what we sent, and (RFC 3550 A.3) what we received."""
        self.rtcp_sent_at = now
        reports: tuple[ReportBlock, ...] = ()
        if self.rx_ssrc >= 0:
            expected = self.rx_ext_max - self.rx_base + 1
            interval_expected = expected - self.rtcp_expected_prior
            interval_lost = interval_expected - (self.rx_count - self.rtcp_received_prior)
            self.rtcp_expected_prior = expected
            self.rtcp_received_prior = self.rx_count
            fraction = 0
            if interval_expected > 0 and interval_lost > 0:
                fraction = min(255, (interval_lost << 8) // interval_expected)
            lsr, dlsr = 0, 0
            if self.last_sr is not None:
                lsr = self.last_sr[0]
                dlsr = min(0xFFFFFFFF, int((now - self.last_sr[1]) * 65536))
            reports = (
                ReportBlock(
                    ssrc=self.rx_ssrc,
                    fraction_lost=fraction,
                    cumulative_lost=min(0x7FFFFF, self.lost),
                    highest_sequence=self.rx_ext_max & 0xFFFFFFFF,
                    lsr=lsr,
                    dlsr=dlsr,
                ),
            )
        # The RTP timestamp "now": the last one sent, advanced by the time since.
        elapsed = 0 if self.sent_at is None else round((now - self.sent_at) * SAMPLE_RATE)
        report = SenderReport(
            ssrc=self.ssrc,
            ntp_timestamp=ntp_from_unix(wallclock),
            rtp_timestamp=uint32_add(self.ts, elapsed),
            packet_count=self.packets_sent & 0xFFFFFFFF,
            octet_count=(self.bytes_sent - 12 * self.packets_sent) & 0xFFFFFFFF,
            reports=reports,
        )
        sdes = SourceDescription(
            chunks=(SdesChunk(ssrc=self.ssrc, items=(SdesItem(kind=SDES_CNAME, value=cname),)),)
        )
        return build_compound((report, sdes))

    @property
    def rtcp_remote(self) -> Sockaddr | None:
        """Where the peer's RTCP came from, else the port above where its RTP goes."""
        if self.rtcp_from is not None:
            return self.rtcp_from
        remote = self.remote
        if remote is None:
            return None
        if len(remote) == 4:
            return (remote[0], remote[1] + 1, 0, 0)
        return (remote[0], remote[1] + 1)

    def idle_local(self) -> None:
        """A tick of our own source with nothing sent: time moves on, the sequence does not."""
        self.ts = uint32_add(self.ts, self.spp)

    @property
    def relaying(self) -> bool:
        """Whether relayed packets may go to this stream now (not paused for our own audio)."""
        return (
            self.sending and self.remote is not None and self.player is None and self.digits is None
        )

    def stats(self, now: float) -> StreamStats:
        learned = (self.remote[0], self.remote[1]) if self.latched and self.remote else None
        return StreamStats(
            packets_received=self.packets_received,
            packets_sent=self.packets_sent,
            bytes_received=self.bytes_received,
            bytes_sent=self.bytes_sent,
            packets_lost=self.lost,
            last_received_age_s=None if self.last_rx is None else max(0.0, now - self.last_rx),
            remote_learned=learned,
        )
