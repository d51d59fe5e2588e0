"""``generate --endpoint ID --image FILE``: the same checks as the window, before any network."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwenimg_desktop.cli import main
from tests.endpoints.images import image_file

EDIT = "fal-ai/qwen-image-2/pro/edit"
NOWHERE = "http://127.0.0.1:9"  # nothing listens: a request sent would fail loudly


def _run(tmp_path: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["generate", "--prompt", "make image 1 red", "--queue-url", NOWHERE,
                 "--data-dir", str(tmp_path / "data"), *args])
    return code, capsys.readouterr().err


def test_a_reference_with_alpha_is_refused_with_the_fix_offered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAL_KEY", "test-key-for-cli-images")
    clear = tmp_path / "clear.png"
    clear.write_bytes(image_file("PNG", (600, 600), "RGBA", (0, 0, 0, 0)))
    code, err = _run(tmp_path, "--endpoint", EDIT, "--image", str(clear), capsys=capsys)
    assert code == 2
    assert "clear.png has transparency" in err
    assert "flatten the transparency onto white" in err
    assert "--fix-images" in err
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").rglob("*.sqlite3"))


@pytest.mark.parametrize(("args", "words"), [
    (["--image", "{ok}"], "takes no images"),
    (["--endpoint", EDIT], "Add a reference image"),
    (["--endpoint", EDIT] + ["--image", "{ok}"] * 4, "at most 3 images"),
    (["--endpoint", EDIT, "--image", "{small}"], "at least 384 px"),
], ids=["text-to-image", "none", "four", "too-small"])
def test_reference_mistakes_end_before_the_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    args: list[str], words: str,
) -> None:
    monkeypatch.setenv("FAL_KEY", "test-key-for-cli-images")
    ok, small = tmp_path / "ok.png", tmp_path / "small.png"
    ok.write_bytes(image_file("PNG", (600, 600)))
    small.write_bytes(image_file("PNG", (200, 600)))
    code, err = _run(tmp_path, *[a.format(ok=ok, small=small) for a in args], capsys=capsys)
    assert code == 2, err
    assert words in err
