"""``python -m softswitch.mediaplane --control FD_OR_PATH --port-min N --port-max M``.

Runs the media engine in this process until the controller sends Shutdown or goes away.
SIGTERM finishes recordings and exits the same way; SIGINT is ignored, because a Ctrl-C at
a terminal reaches the whole process group and the switch, not we, decides when media stops.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
from types import FrameType

from softswitch.mediaplane.engine import MediaEngine


def _control_socket(spec: str) -> socket.socket:
    if spec.isdigit():
        return socket.socket(fileno=int(spec))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(spec)
    return sock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m softswitch.mediaplane")
    parser.add_argument(
        "--control",
        required=True,
        help="an inherited socket's file descriptor, or a Unix socket path to connect to",
    )
    parser.add_argument("--port-min", type=int, required=True)
    parser.add_argument("--port-max", type=int, required=True)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s mediaplane[%(process)d] %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        control = _control_socket(args.control)
        engine = MediaEngine(control, port_min=args.port_min, port_max=args.port_max)
    except (OSError, ValueError) as exc:
        logging.getLogger(__name__).error("cannot start: %s", exc)
        return 2

    def terminate(signum: int, frame: FrameType | None) -> None:
        engine.stop()

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        engine.run()
    finally:
        control.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
