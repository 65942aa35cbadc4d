from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.config import (
    CONFIG_ENV,
    DEFAULT_CONFIG,
    ConfigError,
    HostPort,
    load_config,
    parse_host_port,
    resolve_config_path,
)

REPO = Path(__file__).resolve().parent.parent


def _write(folder: Path, text: str) -> Path:
    path = folder / "softswitch.toml"
    path.write_text(text)
    return path


def test_defaults(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, '[sip]\nudp = "127.0.0.1:5060"\n'))
    assert config.source == (tmp_path / "softswitch.toml").resolve()
    assert config.node_name == "softswitch"
    assert config.sip.udp == HostPort(host="127.0.0.1", port=5060)
    assert config.sip.tcp is None
    assert (config.sip.realm, config.sip.user_agent) == ("asterisk", "softswitch")
    assert (config.sip.t1_ms, config.sip.t2_ms, config.sip.t4_ms) == (500, 4000, 5000)
    assert (config.rtp.port_min, config.rtp.port_max) == (10000, 20000)
    data = tmp_path.resolve() / "data"
    assert config.paths.data == data
    assert config.paths.sounds == data / "sounds"
    assert config.paths.recordings == data / "recordings"
    assert config.database.url == f"sqlite+aiosqlite:///{data / 'softswitch.db'}"
    assert config.http.listen == HostPort(host="0.0.0.0", port=8088)
    assert config.ami.listen == HostPort(host="127.0.0.1", port=5038)
    assert config.bootstrap.pjsip is None


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    config = load_config(
        _write(
            folder,
            '[sip]\ntcp = "[::1]:5070"\n'
            '[paths]\ndata = "../var"\nrecordings = "/srv/rec"\n'
            '[database]\nurl = "sqlite:///../var/pbx.db"\n'
            '[bootstrap]\npjsip = "pjsip.conf"\n',
        )
    )
    var = (tmp_path / "var").resolve()
    assert config.sip.tcp == HostPort(host="::1", port=5070)
    assert config.paths.data == var
    assert config.paths.sounds == var / "sounds"
    assert config.paths.recordings == Path("/srv/rec")
    assert config.database.url == f"sqlite+aiosqlite:///{var / 'pbx.db'}"
    assert config.bootstrap.pjsip == folder.resolve() / "pjsip.conf"


def test_other_database_urls_are_kept(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://pbx:secret@db.example/pbx"
    config = load_config(
        _write(tmp_path, f'[sip]\nudp = "0.0.0.0:5060"\n[database]\nurl = "{url}"\n')
    )
    assert config.database.url == url


def test_sample_configuration_loads() -> None:
    config = load_config(REPO / "conf" / "softswitch.toml")
    assert config.sip.udp is not None and config.sip.tcp is not None
    assert config.bootstrap.pjsip == (REPO / "conf" / "pjsip.conf").resolve()
    assert config.database.url.startswith("sqlite+aiosqlite:///")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('colour = "blue"\n[sip]\nudp = "0.0.0.0:5060"\n', "colour: unknown key"),
        ('[sip]\nudp = "0.0.0.0:5060"\nrelm = "x"\n', "sip.relm: unknown key"),
        ('[sip]\nudp = "nope"\n', "sip.udp: expected \"HOST:PORT\", got 'nope'"),
        ('[sip]\nudp = "host:70000"\n', "sip.udp: expected"),
        ("[sip]\ntcp = 5060\n", "sip.tcp: expected"),
        ('[http]\nlisten = "0.0.0.0:8088"\n', "at least one of sip.udp or sip.tcp"),
        (
            '[sip]\nudp = "0.0.0.0:5060"\n[rtp]\nport_min = 20000\nport_max = 20000\n',
            "rtp.port_max: must be greater than rtp.port_min",
        ),
        ('[sip]\nudp = "0.0.0.0:5060"\n[rtp]\nport_min = 80\n', "rtp.port_min: must be at least"),
        ('[sip]\nudp = "0.0.0.0:5060"\nt1_ms = "fast"\n', "sip.t1_ms: expected an integer"),
        ('[sip]\nudp = "0.0.0.0:5060"\nt1_ms = true\n', "sip.t1_ms: expected an integer"),
        ('sip = "udp"\n', "sip: expected a table"),
        ('[sip]\nudp = "0.0.0.0:5060"\nrealm = ""\n', "sip.realm: expected a non-empty string"),
        ('[sip]\nudp = "0.0.0.0:5060"\n[paths]\ndata = 3\n', "paths.data: expected a path"),
        ('[sip]\nudp = "0.0.0.0:5060"\n[database]\nurl = 5\n', "database.url: expected"),
        ("[sip\n", "softswitch.toml: "),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text))
    assert message in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "absent.toml")


def test_config_path_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert resolve_config_path(None) == DEFAULT_CONFIG
    monkeypatch.setenv(CONFIG_ENV, "/etc/softswitch.toml")
    assert resolve_config_path(None) == Path("/etc/softswitch.toml")
    assert resolve_config_path("mine.toml") == Path("mine.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0.0.0:5060", HostPort(host="0.0.0.0", port=5060)),
        ("[2001:db8::1]:5061", HostPort(host="2001:db8::1", port=5061)),
        ("pbx.example:0", HostPort(host="pbx.example", port=0)),
    ],
)
def test_parse_host_port(text: str, expected: HostPort) -> None:
    assert parse_host_port(text) == expected


@pytest.mark.parametrize("text", ["5060", ":5060", "host:", "host:-1", "host:65536", "host:x"])
def test_parse_host_port_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_host_port(text)
