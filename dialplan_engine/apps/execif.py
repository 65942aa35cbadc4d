"""Run an application on a condition.

Synopsis:
    Executes dialplan application, conditionally.

Syntax:
    ExecIf(expression?appiftrue[(args)][:appiffalse[(args)]])

Description:
    Splits at the first ``?`` and the first ``:`` after it (parentheses and quotes
    protect both). When the expression is true (GotoIf's rule) *appiftrue* runs with
    *args*, else *appiffalse* when given; the arguments are not substituted again. The
    application's outcome is ExecIf's: ``ExecIf($[${X} > 3]?Hangup())`` hangs up,
    ``ExecIf(1?Goto(menu,s,1))`` jumps. An unknown application, or a true condition with
    no application, hangs up the call with a warning; an expression with nothing after
    the ``?`` is an error that does the same.

    The old form ``ExecIf(expression,app,args)`` (a comma before any ``?``) still works,
    with a warning.
"""

from __future__ import annotations

import logging

from dialplan_engine import apps
from dialplan_engine.args import split_args, split_parenthesized, split_raw
from dialplan_engine.expressions import is_true
from dialplan_engine.state import CONTINUE, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "ExecIf"


async def execute(state: ExecState, args: str) -> AppResult:
    comma, question = args.find(","), args.find("?")
    if_false: tuple[str, str] | None = None
    if question < 0 or 0 <= comma < question:
        condition, app_name, app_args = [*split_args(args, limit=3), "", "", ""][:3]
        logger.warning(
            "Deprecated syntax found.  Please upgrade to using ExecIf(<expr>?%s(%s))",
            app_name,
            app_args,
        )
        if_true = (app_name, app_args)
    else:
        parts = split_raw(args, "?", limit=2)
        if len(parts) < 2 or not parts[1]:
            logger.error("Usage: ExecIf(<expr>?<appiftrue>(<args>)[:<appiffalse>(<args)])")
            return HANGUP
        condition = parts[0]
        branches = split_raw(parts[1], ":", limit=2)
        if_true = _call(branches[0])
        if len(branches) == 2:
            if_false = _call(branches[1])
    if is_true(condition):
        return await _run(state, *if_true)
    if if_false is not None and if_false[0]:
        return await _run(state, *if_false)
    return CONTINUE


def _call(text: str) -> tuple[str, str]:
    """``app(args)``: the name and the arguments (empty without parentheses)."""
    name, app_args = split_parenthesized(text)
    return name, app_args or ""


async def _run(state: ExecState, name: str, app_args: str) -> AppResult:
    app = apps.find_application(name) if name else None
    if app is None:
        logger.warning("Could not find application! (%s)", name)
        return HANGUP
    return await app.execute(state, app_args)
