"""Runs a channel through the dialplan kept in the database.

Each call starts from the current rows of ``realtime_extensions`` (and the globals of
``static_extensions``), so an edit made with SQL or the CLI applies to the next call.
"""

from __future__ import annotations

from collections.abc import Mapping

from dialplan_engine.channel_api import ChannelAPI
from dialplan_engine.interpreter import Interpreter
from dialplan_engine.model import Dialplan
from dialplan_engine.scope import AstDbDialgroups
from softswitch.dialplan_store import DialplanSource, PersistentAstDb


class DialplanRunner:
    def __init__(self, *, source: DialplanSource, astdb: PersistentAstDb,
                 systemname: str) -> None:
        self._source = source
        self.astdb = astdb
        self.globals: dict[str, str] = {}
        self._current: Dialplan | None = None
        self.interpreter = Interpreter(
            dialplan_source=self._dialplan,
            dialgroups=AstDbDialgroups(astdb),
            astdb=astdb,
            globals=self.globals,
            systemname=systemname,
        )

    def _dialplan(self) -> Dialplan:
        assert self._current is not None, "run() loads the dialplan first"
        return self._current

    async def exists(self, context: str, exten: str, caller_id: str | None) -> bool:
        """Whether a new call to *exten* may enter *context*: Asterisk's PJSIP answers 404
        before creating any channel when the extension does not exist at priority 1."""
        dialplan = await self._source.current()
        return dialplan.exists(context, exten, 1, caller_id=caller_id)

    async def run(self, channel: ChannelAPI, context: str, exten: str, *,
                  variables: Mapping[str, str]) -> None:
        self._current = await self._source.current()
        await self.interpreter.run(channel, context, exten, variables=variables)
