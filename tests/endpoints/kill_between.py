"""A child process that is killed (SIGKILL) right after an edit's uploads were journalled and
before its submit: ``python -m tests.endpoints.kill_between BASE ROOT IMAGE``."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from qwenimg_desktop.core.endpoints import build_request
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.references import prepare_reference
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.reference_files import keep_reference
from tests.core.helpers import FAST_RETRY, TEST_KEY


def _die_before_sending(self: HistoryStore, job_id: str) -> None:
    print(f"killed {job_id}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def main(base: str, root: str, image: str) -> None:
    layout = DataLayout(Path(root)).ensure()
    reference, data = prepare_reference(Path(image).read_bytes(), Path(image).name, fix=False)
    keep_reference(layout, reference, data)
    request = build_request("fal-ai/qwen-image-2/pro/edit",
                            {"prompt": "killed between upload and submit",
                             "references": [reference]})
    HistoryStore.mark_sending = _die_before_sending  # type: ignore[method-assign]
    engine = JobEngine(EngineConfig(layout, queue_base=base, retry=FAST_RETRY),
                       keys=lambda: TEST_KEY, sink=lambda event: None)
    engine.start()
    engine.submit(request)
    time.sleep(30)  # the kill comes first
    sys.exit(3)


if __name__ == "__main__":
    main(*sys.argv[1:4])
