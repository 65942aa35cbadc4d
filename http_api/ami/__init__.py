"""The Asterisk Manager Interface: framing, sessions, actions, and the TCP listener."""
