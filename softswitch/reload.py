"""What a reload re-reads, module by module, as the Manager's ``Reload`` asks.

Most of the switch needs none: endpoints, AORs, auths, identifies, contacts and manager
users are read from the database as they are used (the store remembers a read for at most
a second), and the dialplan is rebuilt before the next call whenever its tables change.
What a reload does:

* ``pbx_config`` (the dialplan): loads the stored dialplan into the switch now, so a broken
  row shows as a warning at once instead of at the next call.
* ``res_pjsip`` and ``res_pjsip_outbound_registration``: the store forgets the reads it
  remembers, so rows other programs wrote count at once; the outbound registrations, the
  only PJSIP objects the switch holds after it starts, are stopped (unregistering each) and
  started again from the stored ``ps_registrations`` rows.

A reload of everything does both. Files (``pjsip.conf``, ``extensions.conf``) are imported
with ``softswitch ... load``, not by a reload: the database is what the switch runs from.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from softswitch.outbound_registration import OutboundRegistrations

if TYPE_CHECKING:
    from softswitch.app import Switch

log = logging.getLogger(__name__)


class ReloadModule(enum.Enum):
    """The parts a reload can name, by their Asterisk module names."""

    DIALPLAN = "pbx_config"
    PJSIP = "res_pjsip"
    OUTBOUND_REGISTRATION = "res_pjsip_outbound_registration"

    @classmethod
    def named(cls, text: str) -> ReloadModule | None:
        """The module called *text* (``pbx_config`` or ``pbx_config.so``), if there is one."""
        wanted = text.strip().lower().removesuffix(".so")
        return next((module for module in cls if module.value == wanted), None)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


async def reload(switch: Switch, modules: Iterable[ReloadModule] = tuple(ReloadModule)
                 ) -> None:
    """Reload *modules* and log what was re-read, part by part."""
    done: list[str] = []
    registrations = False
    for module in modules:
        if module is ReloadModule.DIALPLAN:
            done.append(await _dialplan(switch))
        elif not registrations:
            # res_pjsip and res_pjsip_outbound_registration mean the same registrations.
            registrations = True
            done.append(await _registrations(switch))
    switch.reloaded_at = time.time()
    log.info("reload: %s", "; ".join(done))


async def _dialplan(switch: Switch) -> str:
    dialplan = await switch.dialplan.current()
    priorities = sum(len(extension.priorities) for context in dialplan.contexts.values()
                     for extension in context.extensions)
    return (f"dialplan: {_plural(len(dialplan.contexts), 'context', 'contexts')},"
            f" {_plural(priorities, 'priority', 'priorities')},"
            f" {_plural(len(dialplan.warnings), 'warning', 'warnings')}")


async def _registrations(switch: Switch) -> str:
    switch.store.cache.clear()
    old = switch.registrations
    fresh = OutboundRegistrations(stack=switch.stack, store=switch.store, events=switch.events,
                                  user_agent=switch.config.sip.user_agent)
    # Swapped before anything is awaited: a reload that starts meanwhile stops ``fresh``
    # (not yet started: nothing to undo) and this one then leaves it alone.
    switch.registrations = fresh
    await old.close()
    if switch.registrations is not fresh:
        return "outbound registrations: superseded by a later reload"
    await fresh.start()
    return ("outbound registrations: "
            f"{_plural(len(fresh.status()), 'registration', 'registrations')} restarted")
