"""The routings of the Evolvex documentation, row for row as its web panel shows them
(``Application : arguments``), loaded the way the panel stores them: realtime rows."""

from __future__ import annotations

from pathlib import Path

from dialplan_engine.channel_api import (
    DialOptions,
    DialResult,
    DialStatus,
    DialTarget,
    MixMonitorRequest,
    RecordResult,
    RecordStatus,
)
from dialplan_engine.model import Dialplan
from dialplan_engine.parser import parse_extensions_conf
from tests.dialplan.fake_channel import Switch, panel_rows

UNIQUEID = "1700000000.42"
MONITOR = Path("/var/spool/asterisk/monitor")

# -- section 1: ring group ---------------------------------------------------------------------

RING_GROUP = [
    "Set  : DIALGROUP(group_100,add)=PJSIP/user-101-domain",
    "Set  : DIALGROUP(group_100,add)=PJSIP/user-102-domain",
    "Set  : DIALGROUP(group_100,add)=PJSIP/user-103-domain",
    "Set  : DIALGROUP(group_100,add)=PJSIP/user-104-domain",
    "Set  : DIALGROUP(group_100,add)=PJSIP/user-105-domain",
    "Dial : ${DIALGROUP(group_100)},60,tT",
]


async def test_ring_group_rings_all_five_endpoints_for_60_s_with_transfers() -> None:
    switch = Switch(Dialplan.from_rows(panel_rows("internal", "100", RING_GROUP)))
    channel = await switch.call("internal", "100")
    assert len(channel.dials) == 1
    dial = channel.dials[0]
    assert sorted(dial.targets, key=lambda t: t.resource) == [
        DialTarget(technology="PJSIP", resource=f"user-10{n}-domain") for n in range(1, 6)
    ]
    assert dial.timeout_s == 60
    assert dial.options == DialOptions(callee_transfer=True, caller_transfer=True)
    # The group persists in AstDB where Asterisk keeps it.
    stored = switch.astdb.get("dialgroup", "group_100")
    assert stored is not None
    assert sorted(stored.split("&")) == [f"PJSIP/user-10{n}-domain" for n in range(1, 6)]
    # The next call adds nothing twice.
    again = await switch.call("internal", "100")
    assert len(again.dials[0].targets) == 5


# -- section 2: call recording, mono and multichannel ------------------------------------------

MONO_COMMAND = '/var/lib/asterisk/scripts/wavtompeg/script.php --uniqueid="${UNIQUEID}"'
STEREO_COMMAND = '/var/lib/asterisk/scripts/wavtostereompeg/script.php --uniqueid="${UNIQUEID}"'
MONO_ROW = "MixMonitor : ${UNIQUEID}.wav,,${MIXMONITOR_COMMAND}"
MULTICHANNEL_ROW = (
    "MixMonitor : ${UNIQUEID}.wav,r(${UNIQUEID}_receive.wav)t(${UNIQUEID}_transmit.wav),"
    "${MIXMONITOR_COMMAND}"
)


async def _record_call(row: str, command: str) -> MixMonitorRequest:
    rows = panel_rows("internal", "101", [row, "Dial : PJSIP/user-101-domain,30"])
    switch = Switch(Dialplan.from_rows(rows, globals=[("MIXMONITOR_COMMAND", command)]))
    channel = await switch.call("internal", "101", channel=switch.channel(uniqueid=UNIQUEID))
    assert channel.methods()[:2] == ["start_mixmonitor", "dial"]
    assert channel.var("MIXMONITOR_FILENAME") == f"{MONITOR}/{UNIQUEID}.wav"
    assert len(channel.mixmonitors) == 1
    return channel.mixmonitors[0]


async def test_mono_recording_with_the_mp3_post_command() -> None:
    request = await _record_call(MONO_ROW, MONO_COMMAND)
    assert request == MixMonitorRequest(
        path=MONITOR / f"{UNIQUEID}.wav",
        post_command=(f'/var/lib/asterisk/scripts/wavtompeg/script.php --uniqueid="{UNIQUEID}"'),
    )


async def test_multichannel_recording_writes_each_direction_too() -> None:
    request = await _record_call(MULTICHANNEL_ROW, STEREO_COMMAND)
    assert request == MixMonitorRequest(
        path=MONITOR / f"{UNIQUEID}.wav",
        receive_path=MONITOR / f"{UNIQUEID}_receive.wav",
        transmit_path=MONITOR / f"{UNIQUEID}_transmit.wav",
        post_command=(
            f'/var/lib/asterisk/scripts/wavtostereompeg/script.php --uniqueid="{UNIQUEID}"'
        ),
    )


async def test_the_command_from_extensions_conf_globals_works_the_same() -> None:
    dialplan = parse_extensions_conf(
        f"[globals]\nMIXMONITOR_COMMAND={MONO_COMMAND}\n"
        "[internal]\nexten => 101,1,MixMonitor(${UNIQUEID}.wav,,${MIXMONITOR_COMMAND})\n"
    )
    switch = Switch(dialplan)
    channel = await switch.call("internal", "101", channel=switch.channel(uniqueid=UNIQUEID))
    assert channel.mixmonitors[0].post_command == (
        f'/var/lib/asterisk/scripts/wavtompeg/script.php --uniqueid="{UNIQUEID}"'
    )


# -- section 3: forwarding to a mobile number --------------------------------------------------

FORWARDING = [
    "NoOp   : Incoming call",
    "Dial   : SIP/user-110-office,15,tT",
    "Dial   : SIP/81234567890@peer-71234567890-office,60",
    "Hangup",
]


async def test_unanswered_desk_phone_forwards_to_the_mobile_through_the_trunk() -> None:
    switch = Switch(Dialplan.from_rows(panel_rows("from-trunk", "110", FORWARDING)))
    channel = switch.channel(caller_number="74951234567")
    channel.dial_results.extend(
        [DialResult(status=DialStatus.NOANSWER), DialResult(status=DialStatus.NOANSWER)]
    )
    await switch.call("from-trunk", "110", channel=channel)
    desk, mobile = channel.dials
    assert desk.targets == (DialTarget(technology="PJSIP", resource="user-110-office"),)
    assert (desk.timeout_s, desk.options) == (
        15,
        DialOptions(callee_transfer=True, caller_transfer=True),
    )
    assert mobile.targets == (
        DialTarget(technology="PJSIP", resource="81234567890@peer-71234567890-office"),
    )
    assert (mobile.targets[0].endpoint, mobile.targets[0].number) == (
        "peer-71234567890-office",
        "81234567890",
    )
    assert (mobile.timeout_s, mobile.options) == (60, DialOptions())
    assert channel.methods() == ["dial", "dial", "hangup"]


async def test_answered_desk_phone_ends_the_call_after_the_bridge() -> None:
    switch = Switch(Dialplan.from_rows(panel_rows("from-trunk", "110", FORWARDING)))
    channel = switch.channel()
    channel.dial_results.append(DialResult(status=DialStatus.ANSWER, callee_hung_up=True))
    await switch.call("from-trunk", "110", channel=channel)
    assert len(channel.dials) == 1
    assert channel.var("DIALSTATUS") == "ANSWER"


# -- section 7: message after the beep ---------------------------------------------------------

MESSAGE = [
    "NoOp     : Message after the beep",
    "Answer",
    "Playback : message-office",
    "Record   : /tmp/${UNIQUEID}.wav,,300,k",
    "Hangup",
]
MAIL_OUT = [
    "NoOp : Sending the message by e-mail",
    'AGI  : email/attachment.php,--source="${CALLERID(number)}",--destination="<number>",'
    '--emails="mail@example.com",--attachment="/tmp/${UNIQUEID}.wav"',
    "Hangup",
]


def _voicemail() -> Switch:
    rows = [
        *panel_rows("message-office", "s", MESSAGE, first_id=1),
        *panel_rows("message-office", "h", MAIL_OUT, first_id=10),
        *panel_rows("internal", "555", ["Goto : message-office,s,1"], first_id=20),
    ]
    return Switch(Dialplan.from_rows(rows))


async def test_message_after_the_beep_is_mailed_from_h_when_the_caller_hangs_up() -> None:
    switch = _voicemail()
    channel = switch.channel(uniqueid=UNIQUEID, caller_number="74951234567")
    channel.record_results.append(RecordResult(status=RecordStatus.HANGUP, duration_s=12.0))
    await switch.call("internal", "555", channel=channel)
    assert channel.methods() == ["answer", "play", "record", "run_agi"]
    assert channel.calls[1] == ("play", ("message-office",), "")
    record = channel.records[0]
    assert record.path == Path(f"/tmp/{UNIQUEID}.wav")
    assert (record.max_duration_s, record.silence_s, record.keep_on_hangup) == (300, None, True)
    assert channel.var("RECORD_STATUS") == "HANGUP"
    assert channel.var("RECORDED_FILE") == f"/tmp/{UNIQUEID}"
    # AGI arguments are split like every application's: the quotes are removed, as
    # Asterisk hands them to the script.
    assert channel.agis == [
        (
            "email/attachment.php",
            (
                "--source=74951234567",
                "--destination=<number>",
                "--emails=mail@example.com",
                f"--attachment=/tmp/{UNIQUEID}.wav",
            ),
        )
    ]
    assert channel.media_after_hangup == []


async def test_message_ended_with_hash_hangs_up_then_mails() -> None:
    switch = _voicemail()
    channel = switch.channel(uniqueid=UNIQUEID)
    await switch.call("internal", "555", channel=channel)
    assert channel.var("RECORD_STATUS") == "DTMF"
    assert channel.methods() == ["answer", "play", "record", "hangup", "run_agi"]
    assert channel.agis[0][1][-1] == f"--attachment=/tmp/{UNIQUEID}.wav"
