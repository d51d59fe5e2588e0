"""Loopback emulator of the fal queue protocol (tests, benchmarks and demo mode)."""

from qwenimg_desktop.emulator.scenarios import Fault, Scenario
from qwenimg_desktop.emulator.server import EmulatorServer

__all__ = ["EmulatorServer", "Fault", "Scenario"]
