"""Calls: the B2BUA legs, their dialogs, and the bridging of their media."""
