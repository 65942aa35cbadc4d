"""RTP/RTCP packets, sequence arithmetic, jitter buffering and DTMF events."""
