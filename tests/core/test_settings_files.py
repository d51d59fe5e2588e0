"""Settings and draft files from disk: strict, bounded, moved aside with a message; one safe write;
one loopback check."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from qwenimg_desktop.core.errors import DiskFull, UserError
from qwenimg_desktop.core.fal.credentials import fixed_key
from qwenimg_desktop.core.fal.storage import INITIATE_PATH, StorageUploader, UploadFailed
from qwenimg_desktop.core.settings import AppSettings, DraftSnapshot, ThemeChoice, load_draft
from qwenimg_desktop.core.urls import is_loopback, validate_queue_base
from tests.core.helpers import FAST_RETRY, TEST_KEY
from tests.fixtures.disk import fill
from tests.reliability.hostile import Hostile, body, lan_address

DEEP = 100_000


def _load(path: Path) -> tuple[AppSettings, list[str]]:
    notices: list[str] = []
    return AppSettings.load(path, report=notices.append), notices


def _aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.corrupt-*"))


@pytest.mark.parametrize("content", [
    "{" + '"ui_state":' * 0 + '"theme": ' + "[" * DEEP + "]" * DEEP + "}",
    '{"ui_state": ' + "{\"a\": " * DEEP + "1" + "}" * DEEP + "}",
    "[" * DEEP,
    "not json at all",
    "[1, 2]",
    '{"concurrency": true}',
    '{"concurrency": 2.0}',
    '{"concurrency": "2"}',
    '{"first_run_done": "yes"}',
    '{"price_per_image_usd": "0.1"}',
    '{"queue_url": "http://localhost.example.com"}',
    '{"presets": {"a": {"num_images": true}}}',
    '{"last_used": {"sync_mode": 1}}',
], ids=["deep-list", "deep-object", "deep-top", "garbage", "array", "bool-for-int",
        "float-for-int", "str-for-int", "yes-for-bool", "str-for-float", "fake-localhost",
        "preset-bool-for-int", "int-for-bool"])
def test_a_bad_settings_file_is_moved_aside_with_a_message_and_defaults_used(
    tmp_path: Path, content: str,
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content, encoding="utf-8")
    settings, notices = _load(path)
    assert settings == AppSettings()
    assert len(notices) == 1
    assert str(path) in notices[0]
    assert "moved to settings.json.corrupt-" in notices[0]
    assert "the defaults are used" in notices[0]
    (moved,) = _aside(path)
    assert moved.read_text(encoding="utf-8") == content  # kept, for the user to look at
    assert not path.exists()
    settings.save(path)  # the name is free again
    assert _load(path) == (AppSettings(), [])


def test_the_field_and_its_problem_are_named(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"concurrency": true}', encoding="utf-8")
    _, notices = _load(path)
    assert "concurrency: Input should be a valid integer" in notices[0]


def test_a_folder_where_the_settings_file_belongs_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.mkdir()
    (path / "inside.txt").write_text("kept")
    settings, notices = _load(path)
    assert settings == AppSettings()
    assert "is a folder, not a file" in notices[0]
    (moved,) = _aside(path)
    assert (moved / "inside.txt").read_text() == "kept"
    settings.save(path)
    assert path.is_file()


@pytest.mark.posix  # geteuid
def test_an_unreadable_settings_file_gives_defaults_and_a_message(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        path = folder / "settings.json"
        path.mkdir()  # a folder that cannot be renamed: its parent is read-only
        folder.chmod(0o555)
        try:
            settings, notices = _load(path)
        finally:
            folder.chmod(0o755)
        # root may rename in a read-only folder; either way: defaults and one sentence.
        assert settings == AppSettings()
        assert len(notices) == 1
        return
    path = tmp_path / "settings.json"
    path.write_text("{}")
    path.chmod(0)
    settings, notices = _load(path)
    assert settings == AppSettings()
    assert "could not be read" in notices[0]


def test_a_huge_settings_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    with path.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)  # sparse: costs no disk
    settings, notices = _load(path)
    assert settings == AppSettings()
    assert "larger than" in notices[0]


def test_valid_settings_round_trip_strictly(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    saved = AppSettings(theme=ThemeChoice.dark, concurrency=3, price_per_image_usd=0.1,
                        queue_url="http://127.0.0.1:8080/")
    saved.save(path)
    assert _load(path) == (saved, [])
    data = json.loads(path.read_text(encoding="utf-8"))
    data["price_per_image_usd"] = 1  # an integer JSON number is a valid price
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _load(path)[0].price_per_image_usd == 1.0
    data["price_per_image_usd"] = 0  # 0 (and the old default) = each endpoint's list price
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _load(path)[0].price_per_image_usd is None


def test_a_bad_draft_file_is_moved_aside_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "draft.json"
    path.write_text('{"prompt": ' + "[" * DEEP + "]" * DEEP + "}", encoding="utf-8")
    notices: list[str] = []
    assert load_draft(path, notices.append) is None
    assert "saved draft" in notices[0]
    assert len(_aside(path)) == 1


def test_settings_save_on_a_full_disk_is_disk_full_and_keeps_the_old_file(
    small_disk: Path,
) -> None:
    path = small_disk / "settings.json"
    AppSettings(concurrency=3).save(path)
    fill(small_disk, leave_kb=8)
    big = AppSettings(ui_state={"x": "y" * 200_000})
    with pytest.raises(DiskFull):
        big.save(path)
    assert _load(path) == (AppSettings(concurrency=3), [])
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler.bin", "settings.json"]


@pytest.mark.parametrize("host", [
    "localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "[::1]",
])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", [
    "localhost.example.com", "localhost.", "mylocalhost", "128.0.0.1", "126.255.255.255",
    "0.0.0.0", "::", "::ffff:127.0.0.1", "::2", "example.com", "", None, "127.0.0.1.nip.io",
])
def test_not_loopback_hosts(host: str | None) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize("url", [
    "http://localhost.example.com", "http://localhost.example.com:8080/", "http://127.0.0.1.nip.io",
    "http://[::ffff:127.0.0.1]:80", "http://localhost:99999", "http://[::1",
])
def test_plain_http_only_to_loopback_everywhere(url: str) -> None:
    with pytest.raises(UserError):
        validate_queue_base(url)
    with pytest.raises(ValidationError):
        AppSettings(queue_url=url)


@pytest.mark.parametrize("url", ["http://localhost:8080", "http://127.0.0.1:1", "http://[::1]:9",
                                 "https://queue.fal.run"])
def test_settings_accept_what_the_client_accepts(url: str) -> None:
    assert AppSettings(queue_url=url).queue_url == validate_queue_base(url)


def _upload_to(target: str, server: Hostile) -> None:
    server.routes[INITIATE_PATH] = body(json.dumps(
        {"upload_url": target, "file_url": "https://v3.fal.media/files/x.png"}).encode())
    server.routes["/put"] = body(b"")

    async def scenario() -> None:
        uploader = StorageUploader(server.base_url, key=fixed_key(TEST_KEY), retry=FAST_RETRY)
        try:
            await uploader.upload(b"\x89PNG private pixels", content_type="image/png",
                                  file_name="mine.png")
        finally:
            await uploader.aclose()

    asyncio.run(scenario())


def test_an_upload_link_to_plain_http_elsewhere_is_refused_before_any_byte_is_sent() -> None:
    lan = lan_address()
    with Hostile(host="0.0.0.0") as server:
        targets = ["file:///etc/passwd", f"http://localhost.example.com:{server.port}/put"]
        if lan is not None:  # this machine, reached through an address that is not loopback
            targets.append(f"http://{lan}:{server.port}/put")
        for target in targets:
            with pytest.raises(UploadFailed, match=r"(?i)upload_url.*https url"):
                _upload_to(target, server)
        assert "/put" not in server.paths()
        _upload_to(f"http://127.0.0.1:{server.port}/put", server)  # loopback: the emulator's way
        assert server.paths().count("/put") == 1


def test_a_draft_with_bad_parameters_keeps_its_prompt(tmp_path: Path) -> None:
    path = tmp_path / "draft.json"
    path.write_text(json.dumps({"prompt": "# 标题\n一只猫", "negative_prompt": "blurry",
                                "params": {"num_images": True}, "cursor": -1}), encoding="utf-8")
    notices: list[str] = []
    kept = load_draft(path, notices.append)
    assert kept is not None
    assert (kept.prompt, kept.negative_prompt) == ("# 标题\n一只猫", "blurry")
    assert kept.params == DraftSnapshot().params
    assert "its prompt was kept, with default parameters" in notices[0]
    assert len(_aside(path)) == 1  # the whole file is still there to look at
