"""Typed configuration loaded once from ``softswitch.toml`` and passed down.

Unknown keys and bad values stop start-up with one :class:`ConfigError` naming the key
(``sip.udp: expected "HOST:PORT", got "nope"``). Relative paths resolve against the folder of
the configuration file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = Path("conf/softswitch.toml")
CONFIG_ENV = "SOFTSWITCH_CONFIG"


DIGEST_ALGORITHMS = ("MD5", "SHA-256", "SHA-512-256")


class ConfigError(Exception):
    """The configuration file is missing, unreadable or holds a bad key or value."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HostPort:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SipConfig:
    udp: HostPort | None = None
    """UDP listening address; absent means no UDP transport."""
    tcp: HostPort | None = None
    """TCP listening address; absent means no TCP transport."""
    realm: str = "asterisk"
    """Digest realm used when an auth object names none (Asterisk's ``default_realm``)."""
    user_agent: str = "softswitch"
    """Value of the ``User-Agent``/``Server`` header we send."""
    auth_algorithms: tuple[str, ...] = ("MD5",)
    """Digest algorithms offered in challenges, strongest first (``default_auth_algorithms_uas``).

    MD5 alone by default, as Asterisk: many clients (SIPp among them) read only the first
    ``WWW-Authenticate`` header and give up when it names an algorithm they lack."""
    external_address: str | None = None
    """Address written into Via/Contact when the bind address is a wildcard."""
    t1_ms: int = 500
    """RFC 3261 T1, the round-trip estimate."""
    t2_ms: int = 4000
    """RFC 3261 T2, the retransmission cap for non-INVITE requests and INVITE responses."""
    t4_ms: int = 5000
    """RFC 3261 T4, how long a message may stay in the network."""
    max_message_bytes: int = 65535
    """Largest SIP message accepted on any transport."""
    tcp_idle_timeout_s: float = 300.0
    """A TCP connection that sends nothing for this long is closed."""
    tcp_partial_timeout_s: float = 30.0
    """A TCP connection that leaves a message half-sent for this long is closed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RtpConfig:
    port_min: int = 10000
    port_max: int = 20000


@dataclass(frozen=True, slots=True, kw_only=True)
class DatabaseConfig:
    url: str
    """SQLAlchemy async URL, e.g. ``sqlite+aiosqlite:///data/softswitch.db``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PathsConfig:
    data: Path
    sounds: Path
    recordings: Path
    """Where MixMonitor files with a relative name go (Asterisk's monitor spool)."""
    agi: Path
    """Where AGI scripts with a relative name are looked up (Asterisk's agi-bin)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpConfig:
    listen: HostPort = field(default_factory=lambda: HostPort(host="0.0.0.0", port=8088))


@dataclass(frozen=True, slots=True, kw_only=True)
class AmiConfig:
    listen: HostPort = field(default_factory=lambda: HostPort(host="127.0.0.1", port=5038))


@dataclass(frozen=True, slots=True, kw_only=True)
class BootstrapConfig:
    pjsip: Path | None = None
    """A ``pjsip.conf`` imported when the switch starts on a database with no endpoints."""
    extensions: Path | None = None
    """An ``extensions.conf`` imported when the switch starts with no dialplan rows."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    source: Path
    """The file this configuration was read from."""
    sip: SipConfig
    rtp: RtpConfig
    database: DatabaseConfig
    paths: PathsConfig
    http: HttpConfig
    ami: AmiConfig
    bootstrap: BootstrapConfig
    node_name: str = "softswitch"
    """This server's name, written as ``reg_server`` on contacts it accepts."""


def resolve_config_path(explicit: str | os.PathLike[str] | None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return DEFAULT_CONFIG


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the configuration file at *path* (see :func:`resolve_config_path`)."""
    source = resolve_config_path(path).resolve()
    try:
        with source.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{source}: configuration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return parse_config(raw, source)


def parse_config(raw: dict[str, Any], source: Path) -> Config:
    base = source.parent
    reader = _Reader(raw, "")
    node_name = reader.string("node_name", "softswitch")

    sip_r = reader.section("sip")
    sip = SipConfig(
        udp=sip_r.host_port("udp", None),
        tcp=sip_r.host_port("tcp", None),
        realm=sip_r.string("realm", "asterisk"),
        user_agent=sip_r.string("user_agent", "softswitch"),
        auth_algorithms=sip_r.choices("auth_algorithms", ("MD5",), DIGEST_ALGORITHMS),
        external_address=sip_r.optional_string("external_address"),
        t1_ms=sip_r.integer("t1_ms", 500, minimum=1),
        t2_ms=sip_r.integer("t2_ms", 4000, minimum=1),
        t4_ms=sip_r.integer("t4_ms", 5000, minimum=1),
        max_message_bytes=sip_r.integer("max_message_bytes", 65535, minimum=1024),
        tcp_idle_timeout_s=sip_r.number("tcp_idle_timeout_s", 300.0, minimum=1.0),
        tcp_partial_timeout_s=sip_r.number("tcp_partial_timeout_s", 30.0, minimum=0.1),
    )
    sip_r.finish()
    if sip.udp is None and sip.tcp is None:
        raise ConfigError("sip: at least one of sip.udp or sip.tcp must be set")

    rtp_r = reader.section("rtp")
    rtp = RtpConfig(
        port_min=rtp_r.integer("port_min", 10000, minimum=1024, maximum=65534),
        port_max=rtp_r.integer("port_max", 20000, minimum=1025, maximum=65535),
    )
    rtp_r.finish()
    if rtp.port_max <= rtp.port_min:
        raise ConfigError("rtp.port_max: must be greater than rtp.port_min")

    paths_r = reader.section("paths")
    data = paths_r.path("data", base / "data", base)
    paths = PathsConfig(
        data=data,
        sounds=paths_r.path("sounds", data / "sounds", base),
        recordings=paths_r.path("recordings", data / "recordings", base),
        agi=paths_r.path("agi", data / "agi-bin", base),
    )
    paths_r.finish()

    db_r = reader.section("database")
    default_url = f"sqlite+aiosqlite:///{data / 'softswitch.db'}"
    url = db_r.string("url", default_url)
    db_r.finish()
    database = DatabaseConfig(url=_resolve_sqlite_url(url, base))

    http_r = reader.section("http")
    http = HttpConfig(listen=http_r.host_port_or("listen", HostPort(host="0.0.0.0", port=8088)))
    http_r.finish()

    ami_r = reader.section("ami")
    ami = AmiConfig(listen=ami_r.host_port_or("listen", HostPort(host="127.0.0.1", port=5038)))
    ami_r.finish()

    boot_r = reader.section("bootstrap")
    bootstrap = BootstrapConfig(
        pjsip=boot_r.optional_path("pjsip", base),
        extensions=boot_r.optional_path("extensions", base),
    )
    boot_r.finish()

    reader.finish()
    return Config(
        source=source,
        sip=sip,
        rtp=rtp,
        database=database,
        paths=paths,
        http=http,
        ami=ami,
        bootstrap=bootstrap,
        node_name=node_name,
    )


def parse_host_port(text: str) -> HostPort:
    """Parse ``HOST:PORT`` (``[v6]:PORT`` for IPv6); raise ValueError when malformed."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError(text)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    port = int(port_text)
    if not 0 <= port <= 65535:
        raise ValueError(text)
    return HostPort(host=host, port=port)


def _resolve_sqlite_url(url: str, base: Path) -> str:
    """Make a relative SQLite file path in *url* relative to the config folder."""
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            rest = url[len(prefix) :]
            if rest and rest != ":memory:" and not rest.startswith("/"):
                return f"sqlite+aiosqlite:///{(base / rest).resolve()}"
            return "sqlite+aiosqlite:///" + rest
    return url


class _Reader:
    """Reads typed values out of one TOML table and remembers which keys it consumed."""

    def __init__(self, table: dict[str, Any], prefix: str) -> None:
        self._table = table
        self._prefix = prefix
        self._seen: set[str] = set()

    def _name(self, key: str) -> str:
        return f"{self._prefix}{key}"

    def _take(self, key: str) -> Any:
        self._seen.add(key)
        return self._table.get(key)

    def section(self, key: str) -> _Reader:
        value = self._take(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ConfigError(f"{self._name(key)}: expected a table")
        return _Reader(value, f"{self._name(key)}.")

    def string(self, key: str, default: str) -> str:
        value = self._take(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{self._name(key)}: expected a non-empty string, got {value!r}")
        return value

    def optional_string(self, key: str) -> str | None:
        value = self._take(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{self._name(key)}: expected a non-empty string, got {value!r}")
        return value

    def integer(
        self, key: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self._take(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{self._name(key)}: expected an integer, got {value!r}")
        if minimum is not None and value < minimum:
            raise ConfigError(f"{self._name(key)}: must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise ConfigError(f"{self._name(key)}: must be at most {maximum}, got {value}")
        return value

    def number(self, key: str, default: float, *, minimum: float | None = None) -> float:
        value = self._take(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{self._name(key)}: expected a number, got {value!r}")
        if minimum is not None and value < minimum:
            raise ConfigError(f"{self._name(key)}: must be at least {minimum}, got {value}")
        return float(value)

    def host_port(self, key: str, default: HostPort | None) -> HostPort | None:
        value = self._take(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ConfigError(f'{self._name(key)}: expected "HOST:PORT", got {value!r}')
        try:
            return parse_host_port(value)
        except ValueError:
            raise ConfigError(f'{self._name(key)}: expected "HOST:PORT", got {value!r}') from None

    def choices(
        self, key: str, default: tuple[str, ...], allowed: tuple[str, ...]
    ) -> tuple[str, ...]:
        value = self._take(key)
        if value is None:
            return default
        if not isinstance(value, list) or not value or not all(
            isinstance(v, str) for v in value
        ):
            raise ConfigError(f"{self._name(key)}: expected a non-empty list of strings")
        canonical = {a.upper(): a for a in allowed}
        chosen = []
        for item in value:
            if item.upper() not in canonical:
                raise ConfigError(
                    f"{self._name(key)}: unknown value {item!r} (expected one of "
                    f"{', '.join(allowed)})"
                )
            chosen.append(canonical[item.upper()])
        return tuple(chosen)

    def host_port_or(self, key: str, default: HostPort) -> HostPort:
        value = self.host_port(key, None)
        return default if value is None else value

    def path(self, key: str, default: Path, base: Path) -> Path:
        value = self._take(key)
        if value is None:
            return default.resolve()
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{self._name(key)}: expected a path, got {value!r}")
        path = Path(value)
        return (path if path.is_absolute() else base / path).resolve()

    def optional_path(self, key: str, base: Path) -> Path | None:
        value = self._take(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{self._name(key)}: expected a path, got {value!r}")
        path = Path(value)
        return (path if path.is_absolute() else base / path).resolve()

    def finish(self) -> None:
        unknown = sorted(set(self._table) - self._seen)
        if unknown:
            raise ConfigError(f"{self._name(unknown[0])}: unknown key")
