"""Command line: ``python -m qwenimg_desktop.emulator --port 0`` prints its base URL and serves."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from pydantic import ValidationError

from qwenimg_desktop.core.urls import is_loopback
from qwenimg_desktop.emulator.scenarios import Scenario
from qwenimg_desktop.emulator.server import EmulatorServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m qwenimg_desktop.emulator",
        description="Loopback emulator of fal's queue API (qwen-image-2/pro/text-to-image).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback only)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument("--queue-delay", type=float, default=None, metavar="S",
                        help="seconds a request waits in the queue")
    parser.add_argument("--run-time", type=float, default=None, metavar="S",
                        help="seconds a request runs")
    parser.add_argument("--key", action="append", default=None, metavar="K",
                        help="accepted key (repeatable); default: any key containing ':'")
    parser.add_argument("--scenario", default=None, metavar="JSON",
                        help="scenario as a JSON object or the path of a JSON file")
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault randomness")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow binding a non-loopback address")
    return parser


def _scenario(args: argparse.Namespace) -> Scenario:
    data: dict[str, Any] = {}
    if args.scenario:
        text = args.scenario
        if not text.lstrip().startswith("{"):
            text = Path(text).read_text(encoding="utf-8")
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the scenario must be a JSON object")
    for key, value in (("queue_delay", args.queue_delay), ("run_time", args.run_time),
                       ("seed", args.seed)):
        if value is not None:
            data[key] = value
    return Scenario.model_validate(data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.allow_remote and not is_loopback(args.host):
        parser.error(f"refusing to bind non-loopback host {args.host!r} without --allow-remote")
    try:
        scenario = _scenario(args)
    except (OSError, ValueError, ValidationError) as exc:
        parser.error(f"invalid scenario: {exc}")
    done = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server = EmulatorServer(scenario, host=args.host, port=args.port,
                            valid_keys=set(args.key) if args.key else None,
                            allow_remote=args.allow_remote)
    try:
        sys.stdout.write(server.start() + "\n")
        sys.stdout.flush()
        while not done.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
