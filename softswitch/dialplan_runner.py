"""Runs a channel through the dialplan kept in the database.

Each call starts from the current rows of ``realtime_extensions`` (and the globals of
``static_extensions``): an edit through this switch applies to the next call, one made with
SQL or the ``softswitch`` command to calls from 100 ms later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from dialplan_engine.interpreter import Interpreter, Step
from dialplan_engine.model import Dialplan
from dialplan_engine.scope import AstDbDialgroups
from dialplan_engine.state import ExecState
from softswitch.dialplan_store import DialplanSource, PersistentAstDb

if TYPE_CHECKING:
    from softswitch.switch_channel import SwitchChannel


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
            on_step=self._step,
        )

    def _dialplan(self) -> Dialplan:
        assert self._current is not None, "run() loads the dialplan first"
        return self._current

    async def exists(self, context: str, exten: str, caller_id: str | None) -> bool:
        """Whether a new call to *exten* may enter *context*: Asterisk's PJSIP answers 404
        before creating any channel when the extension does not exist at priority 1."""
        dialplan = await self._source.current()
        return dialplan.exists(context, exten, 1, caller_id=caller_id)

    async def run(self, channel: SwitchChannel, context: str, exten: str, priority: int = 1,
                  *, variables: Mapping[str, str]) -> None:
        self._current = await self._source.current()
        await self.interpreter.run(channel, context, exten, priority, variables=variables)

    async def run_application(self, channel: SwitchChannel, application: str, data: str, *,
                              variables: Mapping[str, str]) -> None:
        self._current = await self._source.current()
        await self.interpreter.run_application(channel, application, data,
                                               variables=variables)

    async def current(self) -> Dialplan:
        """The stored dialplan as the next call will see it."""
        return await self._source.current()

    @staticmethod
    def _step(state: ExecState, step: Step) -> None:
        # Only the switch's channels run here (see run()).
        cast("SwitchChannel", state.channel).on_dialplan_step(state, step)
