"""The media plane: an RTP relay, player and recorder running its own epoll loop.

It is a separate process (``python -m softswitch.mediaplane``) driven through the narrow
command interface in :mod:`softswitch.mediaplane.protocol`; :class:`~.client.MediaPlane` is the
asyncio side the switch uses. It joins ``rtp`` and ``media`` and imports nothing of ``sip``.
"""
