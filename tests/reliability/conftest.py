"""Fixtures of the reliability tests: the core tests' real engine factory, shared here."""

from __future__ import annotations

from tests.core.conftest import engine_factory

__all__ = ["engine_factory"]
