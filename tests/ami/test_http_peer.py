"""The Manager API over HTTP on a running switch, driven by aiohttp's client and by curl;
Filter and WaitEvent over TCP next to it. SIPp registrations cause the events."""

from __future__ import annotations

import asyncio
import hashlib
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from http_api.ami.protocol import AmiParser, Message
from tests.harness.sipp import register_contact
from tests.harness.switch import SwitchFactory, SwitchProcess
from tests.harness.tools import RunDir, free_port, require_tool

pytestmark = pytest.mark.peer

MANAGER_CONF = """\
[general]
enabled = yes
webenabled = yes

[admin]
secret = s3cret
read = all
write = all

[test]
secret = test
read = all
write = all

[remote]
secret = r
deny = 0.0.0.0/0.0.0.0
permit = 10.0.0.0/255.0.0.0
read = all
write = all
"""
COOKIE = re.compile(r'mansession_id="([0-9a-f]{8})"; Version=1; Max-Age=60')
CHALLENGE = re.compile(r'Digest algorithm=MD5, realm="asterisk", nonce="([0-9a-f]{8})",'
                       r' qop="auth", opaque="\1"')


@pytest.fixture
def ami_switch(switch_factory: SwitchFactory) -> SwitchProcess:
    switch = switch_factory()
    path = switch.workdir / "manager.conf"
    path.write_text(MANAGER_CONF)
    result = switch.cli("config", "load", str(path))
    assert result.stdout.startswith("manager.conf: 3 manager users imported\n")
    return switch


def _base(switch: SwitchProcess) -> str:
    return f"http://127.0.0.1:{switch.http_port}"


@pytest.fixture
async def http(ami_switch: SwitchProcess) -> AsyncIterator[aiohttp.ClientSession]:
    # The switch is addressed by IP, whose cookies aiohttp's default jar refuses.
    async with aiohttp.ClientSession(_base(ami_switch),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


def _cookie(response: aiohttp.ClientResponse) -> str:
    """The session id of a cookie-session reply, whose ``Set-Cookie`` must be Asterisk's."""
    found = COOKIE.fullmatch(response.headers["Set-Cookie"])
    assert found is not None, response.headers["Set-Cookie"]
    return found.group(1)


def _nonce(response: aiohttp.ClientResponse, *, stale: bool = False) -> str:
    """The nonce of a 401, whose ``WWW-Authenticate`` must be Asterisk's challenge."""
    assert response.status == 401
    header = response.headers["WWW-Authenticate"]
    assert header.endswith(", stale=true") is stale, header
    found = CHALLENGE.fullmatch(header.removesuffix(", stale=true"))
    assert found is not None, header
    return found.group(1)


def parse(body: bytes) -> list[Message]:
    return AmiParser().feed(body)


async def get(client: aiohttp.ClientSession, path: str,
              **params: str) -> tuple[aiohttp.ClientResponse, bytes]:
    async with client.get(path, params=params) as response:
        return response, await response.read()


def _register(switch: SwitchProcess, run_dir: RunDir, user: str) -> None:
    result = register_contact(switch.sip_address, user=user, password=f"pass{user}",
                              local_port=free_port("both"), workdir=run_dir(f"register-{user}"))
    assert result.ok, result.describe()


# -- cookie sessions -----------------------------------------------------------------------


async def test_seed_login_ping_and_cookie_reuse(http: aiohttp.ClientSession) -> None:
    response, body = await get(http, "/rawman?action=login&username=test&secret=test")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Pragma"] == "SuppressEvents"
    cookie = _cookie(response)
    # The manual's answer, exactly: no FullyBooted over HTTP (events wait for WaitEvent).
    assert body == b"Response: Success\r\nMessage: Authentication accepted\r\n\r\n"
    response, body = await get(http, "/rawman", action="ping", actionid="7")
    (pong,) = parse(body)
    assert pong.pairs[:3] == (("Response", "Success"), ("ActionID", "7"), ("Ping", "Pong"))
    assert float(pong.get("Timestamp") or 0) > 0
    assert _cookie(response) == cookie


async def test_no_cookie_is_a_new_unauthenticated_session(
    http: aiohttp.ClientSession, ami_switch: SwitchProcess
) -> None:
    response, _ = await get(http, "/rawman", action="login", username="admin", secret="s3cret")
    logged_in = _cookie(response)
    async with aiohttp.ClientSession(_base(ami_switch)) as stranger:
        response, body = await get(stranger, "/rawman", action="ping")
    assert response.status == 200
    assert parse(body)[0].pairs == (("Response", "Error"), ("Message", "Permission denied"))
    assert _cookie(response) != logged_in


async def test_error_is_http_200_and_unknown_action(http: aiohttp.ClientSession) -> None:
    await get(http, "/rawman", action="login", username="admin", secret="s3cret")
    response, body = await get(http, "/rawman", action="NoSuchThing")
    assert response.status == 200
    assert parse(body)[0].get("Message") == (
        "Invalid/unknown command: NoSuchThing. Use Action: ListCommands to show available"
        " commands.")
    response, body = await get(http, "/rawman")
    assert parse(body)[0].get("Message") == "Missing action in request"


async def test_post_form_head_and_other_methods(
    http: aiohttp.ClientSession, ami_switch: SwitchProcess
) -> None:
    async with http.post("/asterisk/rawman",
                         data={"action": "Login", "username": "admin",
                               "secret": "s3cret"}) as response:
        assert parse(await response.read())[0].get("Message") == "Authentication accepted"
    async with http.head("/rawman", params={"action": "ping"}) as response:
        assert response.status == 200
        assert _cookie(response)
        assert await response.read() == b""
    for path in ("/rawman", "/arawman", "/asterisk/mxml"):
        async with http.put(path, data="action=ping") as response:
            assert response.status == 501
    async with http.delete("/manager") as response:
        assert response.status == 501


async def test_logoff_ends_the_session(http: aiohttp.ClientSession) -> None:
    await get(http, "/rawman", action="login", username="admin", secret="s3cret")
    _, body = await get(http, "/rawman", action="logoff")
    assert parse(body)[0].pairs == (("Response", "Goodbye"),
                                    ("Message", "Thanks for all the fish."))
    _, body = await get(http, "/rawman", action="ping")
    assert parse(body)[0].get("Message") == "Permission denied"


async def test_wrong_secret_is_throttled_like_tcp(
    http: aiohttp.ClientSession, ami_switch: SwitchProcess
) -> None:
    response, body = await get(http, "/rawman", action="login", username="admin",
                               secret="wrong")
    assert response.status == 200
    assert parse(body)[0].pairs == (("Response", "Error"), ("Message", "Authentication failed"))
    ami_switch.wait_for_log(r"manager login 'admin' from 127\.0\.0\.1 failed: wrong secret; "
                            r"answering in 1\.0 s")
    failed = _cookie(response)
    # The failed session is gone: the same cookie now opens a new one.
    response, _ = await get(http, "/rawman", action="ping")
    assert _cookie(response) != failed


async def test_waitevent_returns_queued_events_then_waits(
    http: aiohttp.ClientSession, ami_switch: SwitchProcess, run_dir: RunDir
) -> None:
    await get(http, "/rawman", action="login", username="admin", secret="s3cret")
    await asyncio.to_thread(_register, ami_switch, run_dir, "101")
    _, body = await get(http, "/rawman", action="waitevent", timeout="10", actionid="w1")
    reply, *events, complete = parse(body)
    assert reply.pairs == (("Response", "Success"), ("ActionID", "w1"),
                           ("Message", "Waiting for Event completed."))
    assert [(e.get("Event"), e.get("AOR"), e.get("ContactStatus")) for e in events] == [
        ("ContactStatus", "101", "Created")]
    assert events[0].get("Privilege") == "system,all"
    assert complete.pairs == (("Event", "WaitEventComplete"), ("ActionID", "w1"))
    waiting = asyncio.create_task(get(http, "/rawman", action="waitevent", timeout="20"))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await asyncio.to_thread(_register, ami_switch, run_dir, "102")
    _, body = await asyncio.wait_for(waiting, 10)
    names = [(m.get("Response") or m.get("Event"), m.get("AOR")) for m in parse(body)]
    assert names == [("Success", None), ("ContactStatus", "102"), ("WaitEventComplete", None)]


async def test_stopping_the_switch_answers_a_pending_waitevent(
    http: aiohttp.ClientSession, ami_switch: SwitchProcess
) -> None:
    await get(http, "/rawman", action="login", username="admin", secret="s3cret")
    waiting = asyncio.create_task(get(http, "/rawman", action="waitevent", timeout="50"))
    await asyncio.sleep(0.3)
    # The harness fails a switch that does not exit soon after SIGTERM; a WaitEvent holding
    # the stop would keep it for the 50 s asked.
    assert await asyncio.to_thread(ami_switch.stop) == 0
    _, body = await asyncio.wait_for(waiting, 5)
    assert [m.get("Response") or m.get("Event") for m in parse(body)] == [
        "Success", "WaitEventComplete"]


async def test_mxml_escaping_and_repeated_names(http: aiohttp.ClientSession) -> None:
    await get(http, "/mxml", action="login", username="admin", secret="s3cret")
    response, body = await get(http, "/mxml", action="command", command="core show help",
                               ajaxdest="pane")
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.headers["Pragma"] == "SuppressEvents"
    text = body.decode()
    assert text.startswith("<ajax-response>\n<response type='object' id='pane'><generic"
                           " response='Success' message='Command output follows' output='")
    (response_element,) = ET.fromstring(text)
    outputs = response_element[0].attrib
    assert outputs["output"].startswith("Command")
    assert outputs["output-2"].startswith("=")
    assert "output-3" in outputs
    _, body = await get(http, "/mxml", action="command", command="nosuch <a&b> '\"q\"'")
    assert ("output='No such command &apos;nosuch &lt;a&amp;b&gt; &quot;q&quot;&apos;"
            " (type &apos;core show help&apos; for help)'") in body.decode()
    assert ET.fromstring(body)[0][0].attrib["response"] == "Error"


async def test_manager_html(http: aiohttp.ClientSession) -> None:
    await get(http, "/manager", action="login", username="admin", secret="s3cret")
    response, body = await get(http, "/manager", action="ping", actionid="<1>")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert "<tr><td>Response</td><td>Success</td></tr>\n" in page
    assert "<tr><td>ActionID</td><td>&lt;1&gt;</td></tr>\n" in page
    assert "<tr><td>Ping</td><td>Pong</td></tr>\n" in page
    assert '<tr><td colspan="2"><hr></td></tr>' in page


class TcpAmi:
    """A raw TCP Manager API client: write messages, read parsed ones."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._parser = AmiParser()
        self._pending: list[Message] = []
        self.raw = bytearray()

    @classmethod
    async def connect(cls, switch: SwitchProcess) -> TcpAmi:
        reader, writer = await asyncio.open_connection("127.0.0.1", switch.ami_port)
        banner = await asyncio.wait_for(reader.readline(), 5)
        assert banner.startswith(b"Asterisk Call Manager/")
        return cls(reader, writer)

    def send(self, **headers: str) -> None:
        self._writer.write("".join(f"{key}: {value}\r\n" for key, value in headers.items())
                           .encode() + b"\r\n")

    async def read_until(self, done: Callable[[Message], bool],
                         timeout_s: float = 10.0) -> list[Message]:
        """Messages up to and including the first for which *done* is true."""
        collected: list[Message] = []
        async with asyncio.timeout(timeout_s):
            while True:
                while self._pending:
                    message = self._pending.pop(0)
                    collected.append(message)
                    if done(message):
                        return collected
                data = await self._reader.read(65536)
                assert data, "the switch closed the connection"
                self.raw += data
                self._pending.extend(self._parser.feed(data))

    async def login(self) -> None:
        self.send(Action="Login", Username="admin", Secret="s3cret")
        await self.read_until(lambda m: m.get("Event") == "FullyBooted")

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


def _contact(aor: str) -> Callable[[Message], bool]:
    return lambda m: m.get("Event") == "ContactStatus" and m.get("AOR") == aor


async def test_rawman_body_is_the_tcp_bytes(http: aiohttp.ClientSession,
                                            ami_switch: SwitchProcess) -> None:
    tcp = await TcpAmi.connect(ami_switch)
    try:
        await tcp.login()
        await get(http, "/rawman", action="login", username="admin", secret="s3cret")
        for action, extra in (("Command", {"Command": "core show help"}),
                              ("ListCommands", {}), ("CoreSettings", {})):
            tcp.raw.clear()
            tcp.send(Action=action, ActionID="same", **extra)
            await tcp.read_until(lambda m: m.get("ActionID") == "same")
            _, body = await get(http, "/rawman", action=action, actionid="same", **extra)
            assert body == bytes(tcp.raw)
    finally:
        await tcp.close()


async def test_filters_on_tcp_and_waitevent(ami_switch: SwitchProcess, run_dir: RunDir) -> None:
    sessions = {name: await TcpAmi.connect(ami_switch)
                for name in ("include", "exclude", "advanced", "both", "none")}
    try:
        for session in sessions.values():
            await session.login()
        filters = {
            "include": [{"Filter": "AOR: 102"}],
            "exclude": [{"Filter": "!AOR: 101"}],
            "advanced": [{"MatchCriteria": "action(exclude),name(ContactStatus),header(AOR),"
                                           "method(exact)", "Filter": "101"}],
            "both": [{"Filter": "Event: ContactStatus"}, {"Filter": "!AOR: 102"}],
        }
        for name, added in filters.items():
            for number, headers in enumerate(added):
                sessions[name].send(Action="Filter", Operation="Add", ActionID=f"f{number}",
                                    **headers)
                (reply,) = await sessions[name].read_until(
                    lambda m: m.pairs[0][0] == "Response")
                assert reply.get("Message") == "Success", (name, reply)
        # Over TCP, WaitEvent holds the next event and answers with it.
        sessions["none"].send(Action="WaitEvent", Timeout="20", ActionID="w")
        await asyncio.to_thread(_register, ami_switch, run_dir, "101")
        waited = await sessions["none"].read_until(lambda m: m.get("Event") == "WaitEventComplete")
        assert [(m.get("Response") or m.get("Event"), m.get("AOR")) for m in waited] == [
            ("Success", None), ("ContactStatus", "101"), ("WaitEventComplete", None)]
        await asyncio.to_thread(_register, ami_switch, run_dir, "102")
        # Registration order makes 102 the last event each session could get.
        seen = {}
        for name in ("include", "exclude", "advanced", "none"):
            messages = await sessions[name].read_until(_contact("102"))
            seen[name] = [m.get("AOR") for m in messages if m.get("Event") == "ContactStatus"]
        both = await sessions["both"].read_until(_contact("101"))
        seen["both"] = [m.get("AOR") for m in both if m.get("Event") == "ContactStatus"]
        assert seen == {"include": ["102"], "exclude": ["102"], "advanced": ["102"],
                        "none": ["102"], "both": ["101"]}
        await asyncio.sleep(0.5)
        sessions["both"].send(Action="Ping", ActionID="p")
        after = await sessions["both"].read_until(lambda m: m.get("ActionID") == "p")
        assert [m.get("Response") for m in after] == ["Success"]
    finally:
        for session in sessions.values():
            await session.close()


# -- Digest --------------------------------------------------------------------------------


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _authorization(user: str, secret: str, nonce: str, uri: str, nc: int) -> str:
    """A GET's ``Authorization`` header, computed here rather than by the code under test."""
    ha1 = _md5(f"{user}:asterisk:{secret}")
    ha2 = _md5(f"GET:{uri}")
    count = f"{nc:08x}"
    response = _md5(f"{ha1}:{nonce}:{count}:feedc0de:auth:{ha2}")
    return (f'Digest username="{user}", realm="asterisk", nonce="{nonce}", uri="{uri}",'
            f' algorithm=MD5, response="{response}", opaque="{nonce}", qop=auth, nc={count},'
            f' cnonce="feedc0de"')


async def _digest_get(client: aiohttp.ClientSession, uri: str,
                      authorization: str | None = None) -> tuple[aiohttp.ClientResponse, bytes]:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with client.get(uri, headers=headers) as response:
        return response, await response.read()


async def test_arawman_digest_flow(http: aiohttp.ClientSession,
                                   ami_switch: SwitchProcess) -> None:
    uri = "/arawman?action=ping&actionid=1"
    response, _ = await _digest_get(http, uri)
    nonce = _nonce(response)
    response, body = await _digest_get(http, uri, _authorization("admin", "s3cret", nonce, uri, 1))
    assert response.status == 200
    assert "Set-Cookie" not in response.headers
    assert parse(body)[0].pairs[:3] == (("Response", "Success"), ("ActionID", "1"),
                                        ("Ping", "Pong"))
    response, _ = await _digest_get(http, uri, _authorization("admin", "s3cret", nonce, uri, 2))
    assert response.status == 200
    response, _ = await _digest_get(http, uri, _authorization("admin", "s3cret", nonce, uri, 2))
    fresh = _nonce(response, stale=True)
    assert fresh != nonce
    response, _ = await _digest_get(http, uri, _authorization("admin", "s3cret", fresh, uri, 1))
    assert response.status == 200
    response, _ = await _digest_get(http, uri, _authorization("admin", "nope", fresh, uri, 2))
    _nonce(response)
    ami_switch.wait_for_log(r"manager digest login 'admin' from 127\.0\.0\.1 failed: .*; "
                            r"answering in 1\.0 s")


async def test_digest_session_keeps_its_events(http: aiohttp.ClientSession,
                                               ami_switch: SwitchProcess,
                                               run_dir: RunDir) -> None:
    uri = "/asterisk/arawman?action=ping"
    response, _ = await _digest_get(http, uri)
    nonce = _nonce(response)
    response, _ = await _digest_get(http, uri, _authorization("test", "test", nonce, uri, 1))
    assert response.status == 200
    await asyncio.to_thread(_register, ami_switch, run_dir, "103")
    wait = "/asterisk/arawman?action=waitevent&timeout=5"
    response, body = await _digest_get(http, wait, _authorization("test", "test", nonce, wait, 2))
    assert [m.get("Event") for m in parse(body)[1:]] == ["ContactStatus", "WaitEventComplete"]


async def test_digest_address_rules_give_403(http: aiohttp.ClientSession) -> None:
    uri = "/amxml?action=ping"
    response, _ = await _digest_get(http, uri)
    nonce = _nonce(response)
    response, _ = await _digest_get(http, uri, _authorization("remote", "r", nonce, uri, 1))
    assert response.status == 403


async def test_aiohttp_digest_middleware(ami_switch: SwitchProcess) -> None:
    digest = aiohttp.DigestAuthMiddleware(login="test", password="test")
    async with aiohttp.ClientSession(_base(ami_switch), middlewares=(digest,)) as client:
        for path in ("/amxml", "/asterisk/amanager"):
            async with client.get(path, params={"action": "ping"}) as response:
                assert response.status == 200
                assert "Pong" in await response.text()


# -- curl ----------------------------------------------------------------------------------


def _curl(*args: str) -> str:
    result = subprocess.run([require_tool("curl"), "--silent", "--show-error", *args],
                            capture_output=True, timeout=30, check=True)
    # Decoded by hand: text mode would turn the CRLFs under test into LFs.
    return result.stdout.decode()


def test_curl_seed_urls_with_a_cookie_jar(ami_switch: SwitchProcess, tmp_path: Path) -> None:
    jar = str(tmp_path / "cookies")
    base = _base(ami_switch)
    login = _curl("-c", jar, "-b", jar, f"{base}/rawman?action=login&username=test&secret=test")
    assert login.startswith("Response: Success\r\nMessage: Authentication accepted\r\n\r\n")
    ping = _curl("-c", jar, "-b", jar, f"{base}/asterisk/rawman?action=ping")
    assert ping.startswith("Response: Success\r\nPing: Pong\r\nTimestamp: ")
    assert "Permission denied" in _curl(f"{base}/rawman?action=ping")
    headers = _curl("-c", jar, "-b", jar, "--head", f"{base}/rawman?action=ping")
    assert re.search(r'(?im)^set-cookie: mansession_id="[0-9a-f]{8}"; Version=1; Max-Age=60\r$',
                     headers)
    posted = _curl("-c", jar, "-b", jar, "--data", "action=command", "--data-urlencode",
                   "command=core show version", f"{base}/mxml")
    assert "<generic response='Success' message='Command output follows' output='softswitch " in (
        posted)
    status = _curl("-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", f"{base}/rawman")
    assert status == "501"


def test_curl_digest(ami_switch: SwitchProcess) -> None:
    base = _base(ami_switch)
    ping = _curl("--digest", "-u", "test:test", f"{base}/arawman?action=ping")
    assert ping.startswith("Response: Success\r\nPing: Pong\r\n")
    xml = _curl("--digest", "-u", "admin:s3cret", f"{base}/asterisk/amxml?action=listcommands")
    assert "filter='Dynamically add filters for the current manager session." in xml
    assert "waitevent='Wait for an event to occur. (Priv: &lt;none&gt;)'" in xml
    refused = _curl("--digest", "-u", "test:wrong", "-o", "/dev/null", "-w", "%{http_code}",
                    f"{base}/arawman?action=ping")
    assert refused == "401"
