"""Two real softphones (baresip) calling each other through the switch.

The caller plays a 1 kHz tone; the callee answers by itself and records what arrives. The
recording's dominant frequency proves the audio crossed the switch's media plane intact,
also when one phone speaks PCMA and the other PCMU (the switch transcodes). Digits the
caller sends as RFC 4733 events must be seen by the switch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from media.goertzel import dominant_frequency
from media.tones import sine
from tests.harness.baresip import BaresipAccount, BaresipAgent
from tests.harness.switch import SwitchProcess
from tests.harness.tools import require_tool

pytestmark = pytest.mark.peer


@pytest.fixture(autouse=True)
def _baresip_installed() -> None:
    require_tool("baresip")


@pytest.fixture
def agents() -> Iterator[list[BaresipAgent]]:
    started: list[BaresipAgent] = []
    yield started
    for agent in started:
        agent.stop()


def tone_file(path: Path, frequency: float, seconds: float) -> Path:
    soundfile.write(str(path), sine(frequency, seconds, 0.4), 8000, subtype="PCM_16")
    return path


def received_audio(agent: BaresipAgent) -> np.ndarray:
    decoded = [p for p in agent.recordings() if p.name.endswith("-dec.wav")]
    assert decoded, f"no recording in {agent.record_dir}: {agent.recordings()}"
    samples, _rate = soundfile.read(str(decoded[0]), dtype="int16")
    return np.asarray(samples)


def phone(tmp_path: Path, name: str, switch: SwitchProcess, *, codecs: str,
          tone: Path | None = None, record: bool = False) -> BaresipAgent:
    account = BaresipAccount(user=name, registrar=switch.sip_address,
                             password=f"pass{name}", codecs=codecs)
    return BaresipAgent(tmp_path / name, account=account, audio_source=tone, record=record,
                        max_seconds=40)


@pytest.mark.parametrize(
    ("caller_codecs", "callee_codecs"),
    [("pcmu,pcma", "pcmu,pcma"), ("pcma", "pcmu")],
    ids=["same-codec", "pcma-to-pcmu"],
)
def test_tone_crosses_the_switch_and_dtmf_is_seen(
    switch: SwitchProcess, tmp_path: Path, agents: list[BaresipAgent],
    caller_codecs: str, callee_codecs: str,
) -> None:
    tone = tone_file(tmp_path / "tone.wav", 1000, 6)
    caller = phone(tmp_path, "101", switch, codecs=caller_codecs, tone=tone)
    callee = phone(tmp_path, "102", switch, codecs=callee_codecs, record=True)
    agents += [caller, callee]
    callee.start()
    assert callee.wait_registration(timeout_s=10)["type"] == "REGISTER_OK"
    caller.start()
    assert caller.wait_registration(timeout_s=10)["type"] == "REGISTER_OK"
    since = switch.log_offset()

    caller.dial(f"sip:102@{switch.sip_address}")
    callee.wait_event("CALL_ESTABLISHED", timeout_s=10)
    caller.wait_event("CALL_ESTABLISHED", timeout_s=10)
    callee.wait_event("CALL_RTPESTAB", timeout_s=10)
    callee.drain_events(2.0)
    caller.command("sndcode", "1#")
    switch.wait_for_log(r"DTMF begin #", since=since, timeout_s=10)
    callee.drain_events(1.0)
    caller.hangup()
    caller.wait_event("CALL_CLOSED", timeout_s=10)
    callee.wait_event("CALL_CLOSED", timeout_s=10)
    callee.stop()

    log = switch.log_text(since)
    begins = [line for line in log.splitlines() if "PJSIP/101-" in line and "DTMF begin" in line]
    assert [line.rsplit(" ", 1)[1] for line in begins] == ["1", "#"], log
    samples = received_audio(callee)
    # Skip the first half second (call set-up, jitter buffer fill) and measure the tone.
    audible = samples[4000:]
    assert len(audible) >= 8000, len(samples)
    frequency = dominant_frequency(audible[:16000], 8000)
    assert abs(frequency - 1000) <= 20, frequency
    assert "Traceback" not in log
