"""How an action module documents its arguments for ``manager show command <Action>``.

An action module may define ``ARGUMENTS: tuple[Argument, ...]``; its docstring's first line
is the synopsis and the rest the description.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Argument:
    name: str
    description: str
    required: bool = False
