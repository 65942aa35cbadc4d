"""Sans-IO SIP stack (RFC 3261) with asyncio transports at the edge.

Nothing in this package imports ``softswitch``, ``http_api``, ``rtp``, ``media`` or
``dialplan_engine``.
"""
