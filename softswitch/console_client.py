"""``softswitch cli -x COMMAND``: send one console command to the running switch."""

from __future__ import annotations

import json
import socket
import sys

from softswitch.config import Config

TIMEOUT_S = 30.0


def run_remote(config: Config, command: str) -> int:
    path = config.paths.data / "softswitch.ctl"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(TIMEOUT_S)
            sock.connect(str(path))
            sock.sendall(json.dumps({"command": command}).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except (FileNotFoundError, ConnectionRefusedError):
        print(f"softswitch: no switch is running (no control socket at {path})",
              file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"softswitch: control socket {path}: {exc}", file=sys.stderr)
        return 1
    try:
        answer = json.loads(data)
    except ValueError:
        print("softswitch: the switch sent an unreadable answer", file=sys.stderr)
        return 1
    sys.stdout.write(str(answer.get("output", "")))
    return 0 if answer.get("ok") else 1
