"""``python -m qwenimg_desktop.emulator``: prints its URL, serves, exits cleanly on SIGTERM."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from qwenimg_desktop.emulator.__main__ import main
from tests.emulator.support import client, run_to_completion


def test_subprocess_serves_the_protocol(emulator_process: str) -> None:
    assert emulator_process.startswith("http://127.0.0.1:")
    with client() as http:
        answer = run_to_completion(http, emulator_process)
        result = http.get(answer["response_url"])
    assert result.status_code == 200
    assert httpx.get(f"{emulator_process}/_emulator/stats").json()["submits_total"] == 1


def test_sigterm_exits_cleanly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "qwenimg_desktop.emulator", "--port", "0", "--key", "a:b",
         "--scenario", '{"max_running": 3}', "--seed", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    base = process.stdout.readline().strip()
    wrong = httpx.post(f"{base}/fal-ai/qwen-image-2/pro/text-to-image", json={"prompt": "x"},
                       headers={"Authorization": "Key c:d"})
    scenario = httpx.get(f"{base}/_emulator/scenario").json()
    process.terminate()
    _, err = process.communicate(timeout=20)
    assert wrong.status_code == 401
    assert scenario["max_running"] == 3
    assert scenario["seed"] == 1
    assert process.returncode == 0, err


def test_non_loopback_host_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--host", "0.0.0.0", "--port", "0"])
    assert caught.value.code == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_invalid_scenario_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--scenario", '{"queue_delay": -1}'])
    assert caught.value.code == 2
    assert "queue_delay" in capsys.readouterr().err


def test_emulator_imports_neither_qt_nor_ui() -> None:
    code = (
        "import sys, qwenimg_desktop.emulator.__main__\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6'}"
        " or m.startswith('qwenimg_desktop.ui')]\n"
        "print(bad)\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60).stdout
    assert output.strip() == "[]"
