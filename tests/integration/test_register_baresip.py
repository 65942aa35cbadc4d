"""A real softphone (baresip) registering to the switch from its own config files.

The first test needs no switch: two agents call each other directly, proving the harness
(config, control protocol, events, audio path) before anything is blamed on the switch.
"""

from __future__ import annotations

import math
import re
import struct
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.baresip import BaresipAccount, BaresipAgent
from tests.harness.switch import SwitchProcess
from tests.harness.tools import require_tool

pytestmark = pytest.mark.peer


@pytest.fixture(autouse=True)
def _baresip_installed() -> None:
    require_tool("baresip")


@pytest.fixture
def agents() -> Iterator[list[BaresipAgent]]:
    """Agents appended here are stopped at teardown even when the test fails half-way."""
    started: list[BaresipAgent] = []
    yield started
    for agent in started:
        agent.stop()


def write_tone(path: Path, frequency: float, seconds: float) -> Path:
    rate = 8000
    samples = (
        int(12000 * math.sin(2 * math.pi * frequency * n / rate))
        for n in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return path


def tone_power(path: Path, frequency: float) -> float:
    """Goertzel power of *frequency* over the whole file, normalised by its length."""
    with wave.open(str(path), "rb") as src:
        rate = src.getframerate()
        raw = src.readframes(src.getnframes())
    samples = struct.unpack(f"<{len(raw) // 2}h", raw)
    coeff = 2 * math.cos(2 * math.pi * frequency / rate)
    s_prev = s_prev2 = 0.0
    for sample in samples:
        s_prev, s_prev2 = sample + coeff * s_prev - s_prev2, s_prev
    power = s_prev2**2 + s_prev**2 - coeff * s_prev * s_prev2
    return power / max(1, len(samples)) ** 2


def has_agent_contact(text: str, agent: BaresipAgent) -> bool:
    return re.search(rf"@{re.escape(agent.contact_hostport)}(?![0-9])", text) is not None


def test_harness_two_agents_call_each_other_directly(
    tmp_path: Path, agents: list[BaresipAgent]
) -> None:
    tone = write_tone(tmp_path / "tone.wav", 1000, 3)
    alice = BaresipAgent(
        tmp_path / "alice", account=BaresipAccount(user="alice"), audio_source=tone, max_seconds=30
    )
    bob = BaresipAgent(
        tmp_path / "bob", account=BaresipAccount(user="bob"), record=True, max_seconds=30
    )
    agents += [alice, bob]
    alice.start()
    bob.start()

    alice.dial(f"sip:bob@{bob.contact_hostport}")
    incoming = bob.wait_event("CALL_ESTABLISHED", timeout_s=10)
    outgoing = alice.wait_event("CALL_ESTABLISHED", timeout_s=10)
    assert incoming["direction"] == "incoming"
    assert outgoing["direction"] == "outgoing"
    bob.wait_event("CALL_RTPESTAB", timeout_s=10)
    # Let two seconds of the tone arrive before hanging up.
    bob.drain_events(2.0)
    alice.hangup()
    assert alice.wait_event("CALL_CLOSED", timeout_s=10)
    assert bob.wait_event("CALL_CLOSED", timeout_s=10)
    bob.stop()

    received = [path for path in bob.recordings() if path.name.endswith("-dec.wav")]
    assert received, f"no recording in {bob.record_dir}: {bob.recordings()}"
    at_tone = tone_power(received[0], 1000)
    off_tone = max(tone_power(received[0], f) for f in (500, 700, 1400, 2000))
    assert at_tone > 20 * off_tone, (at_tone, off_tone)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_baresip_registers_from_its_config(
    switch: SwitchProcess, tmp_path: Path, agents: list[BaresipAgent], transport: str
) -> None:
    account = BaresipAccount(
        user="101",
        registrar=switch.sip_address,
        password="pass101",
        transport="udp" if transport == "udp" else "tcp",
    )
    agent = BaresipAgent(tmp_path / "phone", account=account)
    agents.append(agent)
    agent.start()

    outcome = agent.wait_registration(timeout_s=10)
    assert outcome["type"] == "REGISTER_OK", (outcome, agent.log_text()[-3000:])
    shown = switch.cli("endpoint", "show", "101").stdout
    assert has_agent_contact(shown, agent), shown
    assert "baresip" in shown, shown


def test_account_added_at_runtime_reports_register_ok(
    switch: SwitchProcess, tmp_path: Path, agents: list[BaresipAgent]
) -> None:
    """The event path itself: a UA created over ctrl_tcp registers while we are listening."""
    first = BaresipAccount(user="101", registrar=switch.sip_address, password="pass101")
    agent = BaresipAgent(tmp_path / "phone", account=first)
    agents.append(agent)
    agent.start()
    agent.wait_registration(timeout_s=10)

    second = BaresipAccount(user="102", registrar=switch.sip_address, password="pass102")
    agent.add_account(second)
    event = agent.wait_event("REGISTER_OK", timeout_s=10)
    assert event["accountaor"].startswith("sip:102@"), event
    assert has_agent_contact(switch.cli("endpoint", "show", "102").stdout, agent)


def test_baresip_with_wrong_password_never_gets_a_binding(
    switch: SwitchProcess, tmp_path: Path, agents: list[BaresipAgent]
) -> None:
    account = BaresipAccount(user="101", registrar=switch.sip_address, password="wrong-password")
    agent = BaresipAgent(tmp_path / "phone", account=account)
    agents.append(agent)
    agent.start()

    outcome = agent.wait_registration(timeout_s=10)
    assert outcome["type"] == "REGISTER_FAIL", outcome
    # Give a retry time to happen: it must fail the same way.
    events = agent.drain_events(2.0)
    assert not [e for e in events if e.get("type") == "REGISTER_OK"], events
    shown = switch.cli("endpoint", "show", "101").stdout
    assert not has_agent_contact(shown, agent), shown
    assert "baresip" not in shown, shown
