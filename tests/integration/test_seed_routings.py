"""The Evolvex manual's routings, run as written through the switch with SIPp phones.

Ring group (section 1), forwarding to a mobile through a trunk (3), multichannel recording
switched by the manual's own SQL (2), and the message after the beep (7). Timeouts are cut
from 60/15 s to a few seconds; everything else is the manual's text.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest
import soundfile

from media.tones import sine
from tests.harness.sipp import (
    SippResult,
    SippUAS,
    register_contact,
    run_sipp,
    scenario,
)
from tests.harness.switch import SwitchProcess, phone_block, standard_pjsip_conf
from tests.harness.tools import RunDir, free_port, require_tool, sipp_media_port

pytestmark = pytest.mark.peer

AGI_SCRIPT = """#!/bin/sh
# Reads the AGI environment block, then appends its arguments, one per line, to a file.
while read -r line && [ -n "$line" ]; do :; done
printf '%s\\n' "$@" >> "$(dirname "$0")/agi-args.txt"
"""


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


def seed_phone(name: str) -> str:
    return phone_block(name, f"pass-{name}", allow="alaw,ulaw", max_contacts=1, aor_options="")


def caller_call(switch: SwitchProcess, run_dir: RunDir, number: str, *,
                scenario_name: str = "b2bua_uac_pcap", hold_ms: int = 3000,
                timeout_s: float = 30) -> SippResult:
    variables = {"caller": "101"}
    if scenario_name == "b2bua_uac_pcap":
        variables["hold_ms"] = str(hold_ms)
    return run_sipp(
        scenario(scenario_name), target=switch.sip_address, local_port=free_port("both"),
        service=number, auth_user="101", auth_pass="pass101", variables=variables,
        extra=["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"], timeout_s=timeout_s,
        workdir=run_dir(f"caller-{number}"),
    )


def final_status(result: SippResult) -> str:
    statuses = [m.split(" ", 2)[1] for m in result.received() if m.startswith("SIP/2.0 ")]
    return statuses[-1] if statuses else ""


def agi_args(switch: SwitchProcess, timeout_s: float = 10.0) -> list[str]:
    path = switch.data_dir / "agi-bin" / "agi-args.txt"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not path.exists():
        time.sleep(0.1)
    return path.read_text().split("\n")[:-1] if path.exists() else []


def install_agi(switch: SwitchProcess) -> None:
    folder = switch.data_dir / "agi-bin"
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "record_args.sh"
    script.write_text(AGI_SCRIPT)
    script.chmod(0o755)


RING_GROUP = """
[internal]
exten => 100,1,Set(DIALGROUP(group_100,add)=PJSIP/user-101-domain)
 same => n,Set(DIALGROUP(group_100,add)=PJSIP/user-102-domain)
 same => n,Set(DIALGROUP(group_100,add)=PJSIP/user-103-domain)
 same => n,Set(DIALGROUP(group_100,add)=PJSIP/user-104-domain)
 same => n,Set(DIALGROUP(group_100,add)=PJSIP/user-105-domain)
 same => n,Dial(${DIALGROUP(group_100)},4,tT)
 same => n,AGI(record_args.sh,${DIALSTATUS})
"""


def ring_group_switch(switch_factory: object) -> SwitchProcess:
    assert callable(switch_factory)
    pjsip = standard_pjsip_conf() + "".join(
        seed_phone(f"user-10{n}-domain") for n in range(1, 6)
    )
    switch = switch_factory(pjsip_conf=pjsip, extensions_conf=RING_GROUP)
    assert isinstance(switch, SwitchProcess)
    install_agi(switch)
    return switch


def test_ring_group_rings_all_members_and_the_first_answer_wins(
    switch_factory: object, run_dir: RunDir
) -> None:
    switch = ring_group_switch(switch_factory)
    ports = {name: free_port("both") for name in ("user-101-domain", "user-102-domain",
                                                  "user-103-domain")}
    for name, port in ports.items():
        registered = register_contact(switch.sip_address, user=name, password=f"pass-{name}",
                                      local_port=port, workdir=run_dir(f"reg-{name}"))
        assert registered.ok, registered.describe()
    # 104 and 105 are not registered: the group still rings the three that are.
    with SippUAS(local_port=ports["user-101-domain"],
                 scenario_path=scenario("b2bua_uas_answer_later"),
                 media_port=sipp_media_port(), workdir=run_dir("uas-101")) as answering, \
         SippUAS(local_port=ports["user-102-domain"],
                 scenario_path=scenario("b2bua_uas_ring_cancel"), rtp_echo=False,
                 workdir=run_dir("uas-102")) as ringing_2, \
         SippUAS(local_port=ports["user-103-domain"],
                 scenario_path=scenario("b2bua_uas_ring_cancel"), rtp_echo=False,
                 workdir=run_dir("uas-103")) as ringing_3:
        result = caller_call(switch, run_dir, "100")
        assert result.ok, result.describe()
        for uas in (answering, ringing_2, ringing_3):
            outcome = uas.wait(10)
            assert outcome.ok, outcome.describe()


def test_ring_group_nobody_answers_gives_noanswer(switch_factory: object,
                                                  run_dir: RunDir) -> None:
    switch = ring_group_switch(switch_factory)
    port = free_port("both")
    registered = register_contact(switch.sip_address, user="user-102-domain",
                                  password="pass-user-102-domain", local_port=port,
                                  workdir=run_dir("reg"))
    assert registered.ok, registered.describe()
    with SippUAS(local_port=port, scenario_path=scenario("b2bua_uas_ring_cancel"),
                 rtp_echo=False, workdir=run_dir("uas")) as ringing:
        result = caller_call(switch, run_dir, "100", scenario_name="b2bua_uac_rejected")
        assert result.ok, result.describe()
        assert final_status(result) == "480", result.describe()
        cancelled = ringing.wait(10)
        assert cancelled.ok, cancelled.describe()
    assert agi_args(switch) == ["NOANSWER"]


FORWARDING = """
[internal]
exten => 110,1,NoOp(Incoming call)
 same => n,Dial(SIP/user-110-office,2,tT)
 same => n,Dial(SIP/81234567890@peer-71234567890-office,60)
 same => n,Hangup()
"""


def test_forwarding_to_a_mobile_through_the_trunk(switch_factory: object,
                                                  run_dir: RunDir) -> None:
    assert callable(switch_factory)
    trunk_port = free_port("both")
    pjsip = standard_pjsip_conf() + seed_phone("user-110-office") + f"""
[peer-71234567890-office]
type=endpoint
context=from-trunk
disallow=all
allow=alaw
aors=peer-71234567890-office

[peer-71234567890-office]
type=aor
contact=sip:127.0.0.1:{trunk_port}
"""
    switch = switch_factory(pjsip_conf=pjsip, extensions_conf=FORWARDING)
    office_port = free_port("both")
    registered = register_contact(switch.sip_address, user="user-110-office",
                                  password="pass-user-110-office", local_port=office_port,
                                  workdir=run_dir("reg"))
    assert registered.ok, registered.describe()
    with SippUAS(local_port=office_port, scenario_path=scenario("b2bua_uas_ring_cancel"),
                 rtp_echo=False, workdir=run_dir("office")) as office, \
         SippUAS(local_port=trunk_port, media_port=sipp_media_port(),
                 workdir=run_dir("trunk")) as trunk:
        result = caller_call(switch, run_dir, "110")
        assert result.ok, result.describe()
        rang = office.wait(10)
        assert rang.ok, rang.describe()
        answered = trunk.wait(10)
        assert answered.ok, answered.describe()
    invites = [m for m in answered.received() if m.startswith("INVITE ")]
    assert invites and invites[0].startswith("INVITE sip:81234567890@127.0.0.1:"), invites


MULTICHANNEL_APPDATA = (
    "${UNIQUEID}.wav,r(${UNIQUEID}_receive.wav)t(${UNIQUEID}_transmit.wav),${MIXMONITOR_COMMAND}"
)
RECORDED = f"""
[globals]
MIXMONITOR_COMMAND=/var/lib/asterisk/scripts/wavtostereompeg/script.php --uniqueid="${{UNIQUEID}}"

[internal]
exten => 102,1,MixMonitor({MULTICHANNEL_APPDATA})
 same => n,Dial(PJSIP/102,30)
"""


def recorded_call(switch: SwitchProcess, run_dir: RunDir, label: str) -> set[Path]:
    before = set(switch_recordings(switch))
    port = free_port("both")
    registered = register_contact(switch.sip_address, user="102", password="pass102",
                                  local_port=port, workdir=run_dir(f"reg-{label}"))
    assert registered.ok, registered.describe()
    with SippUAS(local_port=port, media_port=sipp_media_port(),
                 workdir=run_dir(f"uas-{label}")) as uas:
        result = caller_call(switch, run_dir, "102", hold_ms=3000)
        assert result.ok, result.describe()
        answered = uas.wait(10)
        assert answered.ok, answered.describe()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        new = set(switch_recordings(switch)) - before
        if any(p.suffix == ".mp3" for p in new):
            return new
        time.sleep(0.2)
    return set(switch_recordings(switch)) - before


def switch_recordings(switch: SwitchProcess) -> list[Path]:
    folder = switch.data_dir / "recordings"
    return [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.exists() else []


def test_multichannel_then_mono_recording_switched_by_the_manuals_sql(
    switch_factory: object, run_dir: RunDir
) -> None:
    assert callable(switch_factory)
    switch = switch_factory(extensions_conf=RECORDED)
    stereo = recorded_call(switch, run_dir, "stereo")
    names = sorted(p.name for p in stereo)
    uniqueid = next(p.stem for p in stereo if p.suffix == ".mp3")
    assert names == sorted([f"{uniqueid}.wav", f"{uniqueid}_receive.wav",
                            f"{uniqueid}_transmit.wav", f"{uniqueid}.mp3"]), names
    folder = switch.data_dir / "recordings"
    mixed = soundfile.info(str(folder / f"{uniqueid}.wav"))
    audio_s = mixed.frames / mixed.samplerate
    assert mixed.channels == 1, mixed
    assert 2.5 <= audio_s <= 6, mixed
    assert soundfile.info(str(folder / f"{uniqueid}.mp3")).channels == 2

    # The manual's statements for mono recording, run on the switch's own database.
    with sqlite3.connect(switch.data_dir / "softswitch.db") as db:
        db.execute(
            "UPDATE `realtime_extensions`"
            ' SET `appdata` = "${UNIQUEID}.wav,,${MIXMONITOR_COMMAND}"'
            ' WHERE `app` = "MixMonitor"'
        )
        db.execute(
            "UPDATE static_extensions SET var_val = ? WHERE var_name = 'MIXMONITOR_COMMAND'",
            ('/var/lib/asterisk/scripts/wavtompeg/script.php --uniqueid="${UNIQUEID}"',),
        )
    mono = recorded_call(switch, run_dir, "mono")
    uniqueid = next(p.stem for p in mono if p.suffix == ".mp3")
    assert sorted(p.name for p in mono) == sorted([f"{uniqueid}.wav", f"{uniqueid}.mp3"])
    assert soundfile.info(str(folder / f"{uniqueid}.mp3")).channels == 1


MESSAGE = """
[internal]
exten => 190,1,Goto(message-office,s,1)

[message-office]
exten => s,1,NoOp(Message after the beep)
 same => n,Answer()
 same => n,Playback(message-office)
 same => n,Record(/tmp/${UNIQUEID}.wav,,300,k)
 same => n,Hangup()
exten => h,1,NoOp(Sending the message by e-mail)
 same => n,AGI(record_args.sh,${RECORD_STATUS},${RECORDED_FILE})
 same => n,Hangup()
"""


def message_switch(switch_factory: object) -> SwitchProcess:
    assert callable(switch_factory)
    switch = switch_factory(extensions_conf=MESSAGE)
    install_agi(switch)
    sounds = switch.data_dir / "sounds"
    sounds.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(sounds / "message-office.wav"), sine(440, 1.0, 0.3), 8000,
                    subtype="PCM_16")
    return switch


def test_message_after_the_beep_kept_when_the_caller_hangs_up(
    switch_factory: object, run_dir: RunDir
) -> None:
    switch = message_switch(switch_factory)
    result = caller_call(switch, run_dir, "190", hold_ms=5000)
    assert result.ok, result.describe()
    status, recorded = agi_args(switch)
    assert status == "HANGUP"
    path = Path(recorded + ".wav")
    try:
        assert re.fullmatch(r"/tmp/\d+\.\d+", recorded), recorded
        info = soundfile.info(str(path))
        # 5 s of call less the 1 s greeting and the beep.
        audio_s = info.frames / info.samplerate
        assert 2.5 <= audio_s <= 4.5, info
    finally:
        path.unlink(missing_ok=True)


def test_message_after_the_beep_ends_on_pound(switch_factory: object,
                                              run_dir: RunDir) -> None:
    switch = message_switch(switch_factory)
    result = caller_call(switch, run_dir, "190", scenario_name="b2bua_uac_dtmf_wait_bye")
    assert result.ok, result.describe()
    status, recorded = agi_args(switch)
    Path(recorded + ".wav").unlink(missing_ok=True)
    assert status == "DTMF"

