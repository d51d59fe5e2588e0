"""Fixtures of the endpoint tests, borrowed from the suites whose parts they drive."""

from tests.core.conftest import engine_factory
from tests.history.conftest import browser, clock, make_job, store
from tests.ui.conftest import runtime_factory

__all__ = ["browser", "clock", "engine_factory", "make_job", "runtime_factory", "store"]
