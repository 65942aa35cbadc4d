"""End-to-end tests: the softswitch subprocess driven by real SIP peers and raw sockets."""
