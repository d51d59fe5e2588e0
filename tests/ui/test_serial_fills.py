"""The window's painting never waits for Qt's GUI thread pool (docs/performance.md, "History
scale"): a fill handed to a pool thread that gets no core blocked the GUI thread 77–127 ms."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PAINT = """
import os
from pathlib import Path
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter
from qwenimg_desktop.ui.startup_shell import application
app = application()
image = QImage(800, 600, QImage.Format.Format_ARGB32_Premultiplied)
painter = QPainter(image)
gradient = QLinearGradient(0, 0, 800, 0)  # a fill of 600 spans: Qt's pool takes it unless told
gradient.setColorAt(0, QColor(10, 20, 30))
gradient.setColorAt(1, QColor(200, 20, 30, 128))
painter.fillRect(0, 0, 800, 600, gradient)
painter.end()
print(sorted((t / "comm").read_text().strip() for t in Path("/proc/self/task").iterdir()))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads listed from /proc")
def test_a_large_fill_is_painted_on_the_painting_thread() -> None:
    """In a fresh process (Qt reads the switch once), the app's QApplication paints a gradient
    over 600 lines: no thread is started for it (Qt's pool threads are "Thread (pooled)")."""
    env = {k: v for k, v in os.environ.items() if k != "QT_NO_GUI_THREADPOOL"}
    done = subprocess.run([sys.executable, "-c", PAINT], capture_output=True, text=True,
                          timeout=120, env=env, cwd=Path(__file__).resolve().parents[2],
                          check=True)
    threads = done.stdout.strip().splitlines()[-1]
    assert "Thread (pooled)" not in threads, threads
