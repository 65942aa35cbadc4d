"""``python -m softswitch``: the same as the ``softswitch`` command."""

from __future__ import annotations

from softswitch.cli import main

raise SystemExit(main())
