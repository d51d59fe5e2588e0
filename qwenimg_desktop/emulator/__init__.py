"""Loopback emulator of the fal queue protocol (tests, benchmarks and demo mode)."""
