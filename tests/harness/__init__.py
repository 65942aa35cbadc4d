"""Harness for tests against the real switch and real SIP peers (SIPp, baresip) on loopback."""
