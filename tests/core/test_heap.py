"""core.heap.settle: garbage is collected first, survivors leave later GC passes."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from qwenimg_desktop.core import heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture
def thawed() -> Iterator[None]:
    yield
    gc.unfreeze()  # the frozen objects go back to generation 2, as before the test


@pytest.mark.usefixtures("thawed")
def test_settle_collects_garbage_then_freezes_the_survivors() -> None:
    garbage_a, garbage_b = _Node(), _Node()
    garbage_a.other, garbage_b.other = garbage_b, garbage_a  # a cycle only the collector frees
    dead = weakref.ref(garbage_a)
    del garbage_a, garbage_b
    survivor = _Node()
    survivor.other = survivor
    assert any(obj is survivor for obj in gc.get_objects())

    frozen = heap.settle()

    assert dead() is None  # collected, not frozen: settle never keeps garbage alive
    assert frozen > 0  # (the count can drop as frozen objects die by reference counting)
    assert not any(obj is survivor for obj in gc.get_objects())  # out of every generation
    assert survivor.other is survivor


@pytest.mark.usefixtures("thawed")
def test_a_second_settle_freezes_what_was_created_since() -> None:
    heap.settle()
    later = [_Node() for _ in range(100)]
    assert any(obj is later[0] for obj in gc.get_objects())  # still walked by the collector
    heap.settle()
    assert not any(obj is later[0] for obj in gc.get_objects())
