"""What the Evolvex API's handlers reach through ``request.config_dict``: one
:class:`EvolvexContext` per switch, shared by the ``/api/index`` and ``/pbx/api/index``
mounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from http_api.evolvex.auth import ApiKeys
from http_api.evolvex.recordings import Recordings
from softswitch.tasks import TaskSet

if TYPE_CHECKING:
    from softswitch.app import Switch


@dataclass(slots=True, kw_only=True)
class EvolvexContext:
    switch: Switch
    keys: ApiKeys
    recordings: Recordings
    sounds: Path
    """Where uploads go: the folder Playback looks in."""
    originations: TaskSet = field(default_factory=lambda: TaskSet("API originate"))
    """Calls started with ``async``: answered at once, followed here until they end."""

    @classmethod
    def of(cls, switch: Switch) -> EvolvexContext:
        paths = switch.config.paths
        return cls(switch=switch, keys=ApiKeys(switch.store),
                   recordings=Recordings(paths.recordings), sounds=paths.sounds)


EVOLVEX = web.AppKey("evolvex", EvolvexContext)


def evolvex(request: web.Request) -> EvolvexContext:
    return request.config_dict[EVOLVEX]


def api_keys(request: web.Request) -> ApiKeys:
    return evolvex(request).keys
