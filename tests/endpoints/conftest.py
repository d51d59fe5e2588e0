"""Fixtures of the endpoint tests: the engine of the core tests (emulator fixtures are global)."""

from tests.core.conftest import engine_factory

__all__ = ["engine_factory"]
