"""Show PBX core settings (version etc).

The values a client reads to learn what it talks to.
"""

from __future__ import annotations

import getpass
import grp
import os
import resource
from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import AMI_VERSION, Message, Response
from softswitch import __version__

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "CoreSettings"
PRIVILEGE: tuple[str, ...] = ("system", "reporting")
ARGUMENTS: tuple[Argument, ...] = ()


async def handle(session: Session, message: Message) -> Response:
    files, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return Response.success(fields=(
        ("AMIversion", AMI_VERSION),
        ("AsteriskVersion", __version__),
        ("SystemName", session.switch.config.node_name),
        ("CoreMaxCalls", "0"),
        ("CoreMaxLoadAvg", f"{0.0:f}"),
        ("CoreRunUser", getpass.getuser()),
        ("CoreRunGroup", grp.getgrgid(os.getgid()).gr_name),
        ("CoreMaxFilehandles", str(files)),
        ("CoreRealTimeEnabled", "Yes"),
        ("CoreCDRenabled", "No"),
        ("CoreHTTPenabled", "No"),
        ("SoundsSearchCustomDir", "No"),
    ))
