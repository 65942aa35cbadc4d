"""Fixtures that start the real softswitch for a test and show its log when the test fails."""

from __future__ import annotations

import itertools
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.harness.switch import Overrides, SwitchFactory, SwitchProcess
from tests.harness.tools import RunDir

_SWITCHES = pytest.StashKey[list[SwitchProcess]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        none_started: list[SwitchProcess] = []
        switches = item.stash.get(_SWITCHES, none_started)
        for index, switch in enumerate(switches):
            report.sections.append(
                (f"softswitch log #{index + 1} ({switch.workdir})", switch.log_text()[-20000:])
            )
    return report


@pytest.fixture
def switch_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SwitchFactory]:
    """Start a switch with a custom ``pjsip.conf`` text and/or config overrides.

    ``switch_factory(pjsip_conf=None, overrides={"sip": {"max_message_bytes": 4096}})``:
    ``pjsip_conf=None`` means the standard test endpoints, ``extensions_conf=None`` the
    standard dialplan (every number dials the endpoint of that name). Each call gets its
    own directory and ports; all are stopped at teardown, which fails if one does not exit
    0 on SIGTERM.
    """
    started: list[SwitchProcess] = []
    request.node.stash[_SWITCHES] = started

    def start(
        *,
        pjsip_conf: str | None = None,
        extensions_conf: str | None = None,
        overrides: Overrides | None = None,
    ) -> SwitchProcess:
        workdir = Path(tmp_path_factory.mktemp("switch"))
        switch = SwitchProcess(workdir, pjsip_conf=pjsip_conf,
                               extensions_conf=extensions_conf, overrides=overrides)
        started.append(switch)
        switch.start()
        return switch

    yield start
    codes = [(switch, switch.close()) for switch in started]
    bad = [(switch, code) for switch, code in codes if code not in (0, None)]
    if bad:
        pytest.fail("; ".join(f"switch in {s.workdir} exited {code} on SIGTERM" for s, code in bad))


@pytest.fixture
def switch(switch_factory: SwitchFactory) -> SwitchProcess:
    """The switch with the standard test endpoints 101..105 and the 127.0.0.2 trunk."""
    return switch_factory()


@pytest.fixture
def run_dir(tmp_path: Path) -> RunDir:
    """A fresh directory per SIPp run, kept for inspection when a test fails."""
    counter = itertools.count(1)
    return lambda label: tmp_path / f"sipp-{next(counter):02d}-{label}"
