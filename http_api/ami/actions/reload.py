"""Send a reload event.

Reloads ``Module`` (``pbx_config``, ``res_pjsip`` or ``res_pjsip_outbound_registration``),
or all of them. For ``pbx_config`` the switch loads the stored dialplan now (it also does
so by itself before the next call after any change). For the PJSIP modules it forgets the
database reads it remembers for a second, so endpoints, AORs, auths and contacts that other
programs wrote count at once, and restarts the outbound registrations from the stored rows,
unregistering and registering each again. Manager users are read at each login. Files are
not read again: they are imported into the database with the ``softswitch`` command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_api.ami.action_doc import Argument
from http_api.ami.protocol import Message, Response
from softswitch.reload import ReloadModule, reload

if TYPE_CHECKING:
    from http_api.ami.session import Session

NAME = "Reload"
PRIVILEGE: tuple[str, ...] = ("system", "config")
ARGUMENTS: tuple[Argument, ...] = (
    Argument(name="Module",
             description="pbx_config, res_pjsip or res_pjsip_outbound_registration;"
                         " everything when absent."),
)


async def handle(session: Session, message: Message) -> Response:
    name = message.get("Module") or ""
    if name:
        module = ReloadModule.named(name)
        if module is None:
            return Response.error("No such module")
        await reload(session.switch, (module,))
    else:
        await reload(session.switch)
    return Response.success("Module Reloaded")
