"""Draft validation, the bridge's ordering and coalescing, the jobs model, settings files."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.settings import (
    AppSettings,
    DraftSnapshot,
    ParamValues,
    SeedMode,
    load_draft,
    save_draft,
)
from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.bridge import EngineBridge
from qwenimg_desktop.ui.create.draft import Draft, validate
from qwenimg_desktop.ui.create.jobs_model import TEXT_REFRESH_MS, JobsModel


@pytest.mark.parametrize(
    ("prompt", "negative", "changes", "key"),
    [
        ("", "", {}, "prompt"),
        ("  \n ", "", {}, "prompt"),
        ("ok", "n" * 501, {}, "negative_prompt"),
        ("ok", "", {"size_preset": None, "custom_width": 256, "custom_height": 256}, "image_size"),
        ("ok", "", {"size_preset": None, "custom_width": 4096, "custom_height": 2048},
         "image_size"),
        ("ok", "", {"size_preset": None, "custom_width": 9000, "custom_height": 500}, "image_size"),
        ("ok", "", {"seed_mode": SeedMode.fixed, "seed_text": ""}, "seed"),
        ("ok", "", {"seed_mode": SeedMode.fixed, "seed_text": "12a"}, "seed"),
        ("ok", "", {"seed_mode": SeedMode.increment, "seed_text": "2147483648"}, "seed"),
        ("ok", "", {"num_images": 5}, "num_images"),
        ("ok", "", {"num_images": 0}, "num_images"),
    ],
)
def test_each_invalid_field_gets_its_own_message(
    prompt: str, negative: str, changes: dict[str, object], key: str
) -> None:
    result = validate(prompt, negative, ParamValues.model_validate(changes))
    assert result.request is None
    assert key in result.errors
    assert result.errors[key].endswith(".")
    assert "{" not in result.errors[key]


def test_valid_draft_builds_the_request() -> None:
    params = ParamValues(size_preset=None, custom_width=2048, custom_height=2048,
                         seed_mode=SeedMode.fixed, seed_text="42", num_images=4)
    result = validate("## 标题\ntext", "blurry", params)
    assert result.request is not None
    assert result.request.dimensions == (2048, 2048)
    assert result.request.seed == 42
    assert ParamValues.from_request(result.request).seed_text == "42"


def test_draft_debounces_and_increments_the_seed(qtbot: QtBot) -> None:
    draft = Draft()
    with qtbot.waitSignal(draft.validated, timeout=2000) as blocker:
        draft.set_prompt("a")
        draft.set_prompt("ab")
        draft.update_params(seed_mode=SeedMode.increment, seed_text="7")
    assert blocker.args is not None
    assert blocker.args[0].ok
    assert draft.last_validation.request is not None
    assert draft.last_validation.request.seed == 7
    draft.after_submit()
    assert draft.params.seed_text == "8"


def test_bridge_keeps_order_and_coalesces_running(qtbot: QtBot) -> None:
    bridge = EngineBridge()
    got: list[ev.JobEvent] = []
    bridge.job_event.connect(got.append)
    main_thread = threading.get_ident()
    threads: list[int] = []
    bridge.job_event.connect(lambda _e: threads.append(threading.get_ident()))

    def engine() -> None:
        bridge.sink(ev.Submitted("j", "r"))
        bridge.sink(ev.Queued("j", 0))
        for step in range(500):
            bridge.sink(ev.Running("j", (f"step {step}",)))
        bridge.sink(ev.Completed("j", 1, ("a.png",)))

    worker = threading.Thread(target=engine, name="fake-engine")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(got) and isinstance(got[-1], ev.Completed), timeout=3000)
    kinds = [type(e).__name__ for e in got]
    assert kinds[:2] == ["Submitted", "Queued"]
    assert kinds[-1] == "Completed"
    assert set(kinds[2:-1]) == {"Running"}
    running = [e for e in got if isinstance(e, ev.Running)]
    assert len(running) < 500, "Running events were coalesced"
    lines = [line for e in running for line in e.logs]
    assert lines[-1] == "step 499"
    assert set(threads) == {main_thread}


def test_bridge_hands_a_burst_over_once_per_event_across_flushes(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 1,000-job batch's first events, each slow to show: every flush stops at its time
    budget, and what is left waits for the next flush as it is. Each event is queued once
    (re-queuing the rest after every flush made the burst quadratic), in order, once."""
    import time

    bridge = EngineBridge()
    queued: list[int] = []
    append = bridge._append

    def counted(event: ev.JobEvent) -> None:
        queued.append(1)
        append(event)

    monkeypatch.setattr(bridge, "_append", counted)
    got: list[str] = []

    def slow(event: ev.JobEvent) -> None:
        got.append(event.job_id)
        time.sleep(0.0005)  # a slot that takes half a millisecond per event

    bridge.job_event.connect(slow)
    sent = [f"job-{n}" for n in range(1000)]
    def engine() -> None:
        for job_id in sent:
            bridge.sink(ev.Submitted(job_id, "r"))

    worker = threading.Thread(target=engine)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(got) == len(sent), timeout=20_000)
    assert got == sent
    assert len(queued) == len(sent)
    assert bridge.delivered == len(sent)


def test_jobs_model_counts_active_and_running_jobs_as_they_change(qtbot: QtBot) -> None:
    """The title and the jobs panel ask after every event how many jobs run and wait: the
    model keeps both counts as rows change instead of walking every row each time."""
    from qwenimg_desktop.ui.create.jobs_model import RUNNING_STATES

    model = JobsModel()
    request = GenerationRequest(prompt="count me")

    def walked() -> tuple[int, int]:
        rows = [model.row_at(i) for i in range(model.rowCount())]
        active = [r for r in rows if r is not None and not r.state.is_final]
        return len(active), sum(1 for r in active if r.state in RUNNING_STATES)

    model.add_jobs([(f"j{n}", request) for n in range(6)])
    assert (model.active_count(), model.running_count()) == walked() == (6, 0)
    model.apply(ev.Submitted("j0", "r0"))
    model.apply(ev.Running("j0", ("step",)))
    model.apply(ev.Running("j1", ()))
    model.apply(ev.StateChanged("j2", JobState.fetching))
    model.apply(ev.StateChanged("j3", JobState.cancel_requested))
    assert (model.active_count(), model.running_count()) == walked() == (6, 4)
    model.apply(ev.Completed("j0", 1, ("a.png",)))
    model.apply(ev.Failed("j1", "no", "AuthError"))
    model.apply(ev.Cancelled("j4", "cancelled"))
    model.apply(ev.Submitted("new", "r9"))  # an event for a job not listed yet adds its row
    assert (model.active_count(), model.running_count()) == walked() == (4, 2)
    assert model.clear_finished() == 3
    assert (model.active_count(), model.running_count()) == walked() == (4, 2)
    assert sorted(model.active_ids()) == ["j2", "j3", "j5", "new"]


def test_jobs_model_folds_events(qtbot: QtBot) -> None:
    model = JobsModel()
    request = GenerationRequest(prompt="## Heading\nbody")
    model.add_job("j", request)
    model.apply(ev.Queued("j", 2))
    row = model.row("j")
    assert row is not None
    assert row.title == "Heading"
    assert row.status_line(0.0) == "Queued · position 3"
    model.apply(ev.Running("j", ("loading",)))
    assert row.state is JobState.running
    assert row.last_log == "loading"
    with qtbot.waitSignal(model.job_finished):
        model.apply(ev.Failed("j", "key rejected", "AuthError"))
    assert "Settings" in row.reason
    model.apply(ev.Submitted("other", "r2"))
    assert model.rowCount() == 2
    assert model.row("other") is not None


def test_jobs_model_repaints_state_changes_at_once_and_log_lines_in_batches(
    qtbot: QtBot,
) -> None:
    model = JobsModel()
    model.add_job("j", GenerationRequest(prompt="a cat"))
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom, _roles=(): changed.append(top.row()))
    model.apply(ev.Running("j", ("step 1",)))  # queued → running: a state change
    assert changed == [0]
    for step in range(2, 12):  # ten more log lines, same state
        model.apply(ev.Running("j", (f"step {step}",)))
    assert changed == [0]  # not yet: the text repaints on the next refresh
    row = model.row("j")
    assert row is not None
    assert row.last_log == "step 11"  # the model itself is always current
    qtbot.waitUntil(lambda: len(changed) == 2, timeout=2000)
    qtbot.wait(TEXT_REFRESH_MS * 2)
    assert changed == [0, 0]  # one repaint for the ten lines
    model.apply(ev.Completed("j", 7, ()))
    assert changed == [0, 0, 0]  # a final state shows at once


def test_cost_label() -> None:
    assert messages.generate_label(0.15) == "Generate · $0.15"
    assert messages.generate_label(0.075) == "Generate · $0.075"
    assert messages.generate_label(None) == "Generate"


def test_settings_roundtrip_and_corrupt_file_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.json"
    assert AppSettings.load(path) == AppSettings()
    settings = AppSettings(price_per_image_usd=0.1, presets={"wide": ParamValues(num_images=3)})
    settings.save(path)
    assert AppSettings.load(path) == settings
    assert not list(path.parent.glob("*.tmp"))
    path.write_text("{not json", encoding="utf-8")
    assert AppSettings.load(path) == AppSettings()
    assert not path.exists()
    assert len(list(path.parent.glob("settings.json.corrupt-*"))) == 1
    path.write_text(json.dumps({"concurrency": 999}), encoding="utf-8")
    assert AppSettings.load(path).concurrency == 2
    assert len(list(path.parent.glob("settings.json.corrupt-*"))) == 2


def test_settings_refuse_plain_http_to_a_remote_host() -> None:
    with pytest.raises(ValueError, match="https"):
        AppSettings(queue_url="http://example.com")


def test_draft_file_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "draft.json"
    assert load_draft(path) is None
    save_draft(path, DraftSnapshot(prompt="## 你好\nworld", cursor=3))
    loaded = load_draft(path)
    assert loaded is not None
    assert loaded.prompt == "## 你好\nworld"
    assert loaded.cursor == 3


def test_cli_and_window_count_queue_positions_alike(qtbot: QtBot) -> None:
    """fal's position 0 is "next": both the CLI and the jobs list say "position 1"."""
    from qwenimg_desktop.cli import _describe
    model = JobsModel()
    model.add_job("j", GenerationRequest(prompt="p"))
    model.apply(ev.Queued("j", 0))
    row = model.row("j")
    assert row is not None
    assert row.status_line(0.0) == "Queued · position 1"
    assert _describe(ev.Queued("j", 0)) == "queued, position 1"
    assert _describe(ev.Queued("j", None)) == "queued"


def test_cancelled_badge_is_not_a_close_cross() -> None:
    from qwenimg_desktop.ui.history.model import _STATE_BADGES
    assert _STATE_BADGES[JobState.cancelled][1] not in {"×", "x", "X", "✕", "✖"}


def test_titles_show_no_raw_markdown() -> None:
    from qwenimg_desktop.ui.history.model import snippet
    from qwenimg_desktop.ui.safe_text import markdown_plain_line
    prompt = "## **Scene** 景\n- a `red` *lantern* at [dusk](http://x.test)\n> 1. quiet_lane_name"
    assert snippet(prompt) == "Scene 景 a red lantern at dusk quiet_lane_name"
    assert markdown_plain_line("### __Light__") == "Light"
    assert markdown_plain_line("2 * 3 = 6") == "2 * 3 = 6"  # a lone star is not emphasis
    model = JobsModel()
    row = model.add_job("j", GenerationRequest(prompt="\n# **灯塔** Lighthouse\nbody"))
    assert row.title == "灯塔 Lighthouse"


def test_a_resumed_job_gets_its_parameters_once_the_history_is_open(qtbot: QtBot) -> None:
    """Its first event comes before the history is open: "earlier session" at first, then the
    request from the history, not "Parameters unknown"."""
    known: dict[str, GenerationRequest] = {}
    model = JobsModel(known.get)
    model.apply(ev.Running("resumed", ("step 3",)))
    row = model.row("resumed")
    assert row is not None
    assert row.request is None
    known["resumed"] = GenerationRequest(prompt="# Lighthouse\nat dusk", seed=9)
    assert model.fill_requests() == ["resumed"]
    assert row.title == "Lighthouse"
    assert "seed 9" in str(model.index_of("resumed").data())
    assert model.fill_requests() == []
