"""Workers, the window's one background helper: order, stale answers, errors, shutdown."""

from __future__ import annotations

import logging
import threading
from functools import partial

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from qwenimg_desktop.ui.workers import Workers


def test_one_thread_runs_and_answers_in_the_order_given(qtbot: QtBot) -> None:
    workers = Workers("test-serial", threads=1)
    ran: list[int] = []
    answered: list[int] = []
    threads: set[str] = set()

    def work(n: int) -> int:
        threads.add(threading.current_thread().name)
        ran.append(n)
        return n

    for n in range(50):
        workers.run(partial(work, n), answered.append)
    busy_while_queued = workers.busy
    qtbot.waitUntil(lambda: len(answered) == 50)
    assert ran == list(range(50))
    assert answered == list(range(50))
    assert len(threads) == 1
    assert (busy_while_queued, workers.busy) == (True, False)
    workers.shutdown()


def test_cancel_drops_a_stale_answer_but_not_the_next(qtbot: QtBot) -> None:
    workers = Workers("test-cancel", threads=2)
    release = threading.Event()
    answers: list[str] = []
    stale = workers.run(lambda: release.wait(10) and "stale", answers.append)
    fresh = workers.run(lambda: "fresh", answers.append)
    assert stale != fresh
    workers.cancel(stale)
    release.set()
    assert workers.wait()
    qtbot.waitUntil(lambda: answers == ["fresh"])
    QCoreApplication.processEvents()  # both answers were posted before wait() returned
    assert answers == ["fresh"]
    workers.shutdown()


def test_errors_go_to_on_error_or_the_log(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    workers = Workers("test-errors", threads=1)
    errors: list[Exception] = []

    def fail() -> None:
        raise OSError("disk gone")

    workers.run(fail, lambda _: pytest.fail("no result"), errors.append)
    with caplog.at_level(logging.ERROR, logger="qwenimg.ui.workers"):
        workers.run(fail)
        qtbot.waitUntil(lambda: "test-errors: background task failed: OSError" in caplog.text)
    assert [str(e) for e in errors] == ["disk gone"]
    workers.shutdown()


def test_nothing_answers_after_shutdown(qtbot: QtBot) -> None:
    workers = Workers("test-shutdown", threads=1)
    started = threading.Event()
    release = threading.Event()
    answers: list[object] = []

    def slow() -> str:
        started.set()
        release.wait(10)
        return "late"

    workers.run(slow, answers.append)
    workers.run(lambda: "queued", answers.append)
    assert started.wait(10)
    threading.Timer(0.05, release.set).start()
    workers.shutdown()  # waits for the running call, drops the queued one
    assert workers.run(lambda: "after", answers.append) == 0
    QCoreApplication.processEvents()  # the running call's answer was posted: it is dropped
    assert answers == []
    assert not workers.busy
