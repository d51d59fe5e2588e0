"""Lost submits looked up in fal's request history (real engine, emulator over loopback)."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from qwenimg_desktop.core.fal.platform import HistoryItem
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs import reconcile
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from tests.core.cli_proc import ROOT, cli_command, cli_env, run_cli
from tests.core.conftest import EngineFactory
from tests.core.helpers import TEST_KEY
from tests.fixtures.emulator import EmulatorFactory

PRO = "fal-ai/qwen-image-2/pro/text-to-image"


def _item(request_id: str, body: dict[str, object]) -> HistoryItem:
    return HistoryItem(request_id=request_id, endpoint_id=PRO, sent_at=datetime.now(UTC),
                       json_input=body)


def test_match_ignores_key_order_and_accepts_one_item_with_defaults_filled() -> None:
    body = {"prompt": "a", "seed": 7}
    assert reconcile.match(body, [_item("r1", {"seed": 7, "prompt": "a"})]).outcome == "found"
    filled = _item("r2", {"prompt": "a", "seed": 7, "num_images": 1})
    other = _item("r3", {"prompt": "a", "seed": 8})
    found = reconcile.match(body, [filled, other])
    assert found.outcome == "found"
    assert found.matches[0].request_id == "r2"
    twice = reconcile.match(body, [filled, _item("r4", {"prompt": "a", "seed": 7, "x": 1})])
    assert twice.outcome == "several"
    assert reconcile.match(body, [other]).outcome == "none"


def test_every_request_carries_a_client_chosen_seed(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory()
    engine, log = engine_factory(server.base_url, make_thumbnails=False)
    jobs = [engine.submit(GenerationRequest(prompt="same")) for _ in range(2)]
    for job in jobs:
        assert isinstance(log.wait_final(job), ev.Completed)
    inputs = [job.json_input for job in server.board.all_jobs()]
    seeds = [body["seed"] for body in inputs]
    assert all(isinstance(seed, int) for seed in seeds)
    assert seeds[0] != seeds[1]  # two identical clicks send different bodies
    assert engine.store is not None
    journalled: list[int] = []
    for job in jobs:
        stored = engine.store.get(job)
        assert stored is not None
        assert stored.request is not None
        assert stored.request.seed is not None
        journalled.append(stored.request.seed)
    # The journalled bodies are the bodies sent (two send slots: they may arrive in any order).
    assert sorted(journalled) == sorted(seeds)


def test_a_submit_that_never_arrived_ends_not_found_and_is_not_resent(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"server_error": {"next_n": 1, "status": 500,
                                                "routes": ["submit"]}})
    engine, log = engine_factory(server.base_url)
    job = engine.submit(GenerationRequest(prompt="never queued"))
    final = log.wait_final(job, timeout=30)
    assert isinstance(final, ev.Failed)
    assert final.kind == "SubmissionUnknown"
    assert "Not found at fal" in final.reason
    assert "Submit again" in final.reason
    looking = [e for e in log.of(job) if isinstance(e, ev.StateChanged)
               and e.detail == reconcile.LOOKING]
    assert looking
    assert engine.store is not None
    record = engine.store.get(job)
    assert record is not None
    assert record.state is JobState.unknown
    assert record.error_type == reconcile.NOT_FOUND_AT_FAL
    assert server.stats()["submits_total"] == 0  # the 500 came before the queue had it


def test_a_request_listed_late_is_found_after_a_back_off(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"submit_lost": {"next_n": 1},
                               "platform": {"history_visible": "end", "history_delay": 1.0}})
    engine, log = engine_factory(server.base_url, reconcile_deadline=20.0)
    job = engine.submit(GenerationRequest(prompt="listed late"))
    assert isinstance(log.wait_final(job, timeout=40), ev.Completed)
    assert server.stats()["submits_total"] == 1
    lookups = [r for r in server.stats().get("served", {}).items() if r[0] == "platform"]
    assert lookups
    assert lookups[0][1] >= 2  # the first look found nothing yet


def test_several_matches_are_left_to_the_user(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"platform": {"history_visible": "submit"}})
    engine, log = engine_factory(server.base_url)
    request = GenerationRequest(prompt="twice", seed=42)
    with httpx.Client(headers={"Authorization": f"Key {TEST_KEY}"}) as http:  # the same body
        answer = http.post(f"{server.base_url}/{PRO}", json=request.to_api_payload())
        assert answer.status_code == 200
    server.set_scenario({"submit_lost": {"next_n": 1}}, merge=True)
    job = engine.submit(request)  # lost: the emulator has it, the answer never came
    final = log.wait_final(job, timeout=30)
    assert isinstance(final, ev.Failed)
    assert "several requests at fal match" in final.reason
    assert engine.store is not None
    record = engine.store.get(job)
    assert record is not None
    assert record.error_type == reconcile.AMBIGUOUS_AT_FAL
    assert record.request_id is None


def test_a_key_without_history_access_is_said_once_and_jobs_stay_unknown(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"submit_lost": {"next_n": 2},
                               "platform": {"history_refused": True}})
    engine, log = engine_factory(server.base_url)
    jobs = [engine.submit(GenerationRequest(prompt=f"lost {i}")) for i in range(2)]
    for job in jobs:
        final = log.wait_final(job, timeout=30)
        assert isinstance(final, ev.Failed)
        assert final.kind == "SubmissionUnknown"
    notices = [e for e in log.events if isinstance(e, ev.EngineNotice)
               and e.message == reconcile.NO_HISTORY_ACCESS]
    assert len(notices) == 1
    assert server.stats()["submits_total"] == 2


def test_cli_reconcile_finds_an_unknown_job_and_completes_it(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    """A job left ``unknown`` whose request fal has: ``reconcile`` follows it to its images;
    one fal never had stays unknown ("not found at fal"); nothing is sent."""
    server = emulator_factory(valid_keys={TEST_KEY})
    layout = DataLayout(tmp_path / "data").ensure()
    reached = GenerationRequest(prompt="reached fal", seed=11)
    with HistoryStore.open(layout) as store:
        found = store.create_pending(reached, queue_base=server.base_url, cost_estimate=0.075)
        missing = store.create_pending(GenerationRequest(prompt="never left", seed=12),
                                       queue_base=server.base_url, cost_estimate=0.075)
        for job in (found, missing):
            store.mark_sending(job)
            store.mark_unknown(job, "the submit may have reached fal but no answer came")
    with httpx.Client(headers={"Authorization": f"Key {TEST_KEY}"}) as http:
        assert http.post(f"{server.base_url}/{PRO}",
                         json=reached.to_api_payload()).status_code == 200
    before = server.stats()["submits_total"]
    done = run_cli(tmp_path, "reconcile", "--queue-url", server.base_url, "--data-dir",
                   str(layout.root), "--lookup-seconds", "2", key=TEST_KEY, timeout=60)
    assert done.returncode == 1, done.stderr  # one is still unknown
    printed = {p["id"]: p for p in map(json.loads, done.stdout.splitlines())}
    assert printed[found]["state"] == "completed"
    assert printed[found]["images"]
    assert printed[missing]["state"] == "unknown"
    assert "looked for 2, 1 found" in done.stderr
    assert server.stats()["submits_total"] == before  # nothing was sent again


def test_a_request_another_job_follows_is_never_adopted(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    """Two clicks with the same fixed seed and settings send equal bodies: the lost one must
    not take the request the other one follows."""
    server = emulator_factory({"platform": {"history_visible": "submit"}})
    engine, log = engine_factory(server.base_url, make_thumbnails=False)
    request = GenerationRequest(prompt="fixed seed", seed=5)
    first = engine.submit(request)
    assert isinstance(log.wait_final(first), ev.Completed)
    server.set_scenario({"submit_lost": {"next_n": 1}}, merge=True)
    second = engine.submit(request)
    assert isinstance(log.wait_final(second, timeout=30), ev.Completed)
    assert engine.store is not None
    one, two = engine.store.get(first), engine.store.get(second)
    assert one is not None
    assert two is not None
    assert one.request_id != two.request_id
    assert server.stats()["submits_total"] == 2


def test_a_lookup_cut_off_by_kill_9_is_taken_up_again_at_the_next_start(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    """The CLI is killed while it looks for its lost submit at fal: the next engine's start
    looks again on its own (no CLI ``reconcile``), finds it and completes it; nothing is sent
    again."""
    server = emulator_factory({"submit_lost": {"next_n": 1}, "hold": ["queue"],
                               "platform": {"history_visible": "start"}},
                              valid_keys={TEST_KEY})
    data = tmp_path / "data"
    process = subprocess.Popen(
        cli_command("generate", "--prompt", "lost, then killed while looking", "--queue-url",
                    server.base_url, "--data-dir", str(data), "--lookup-seconds", "600"),
        env=cli_env(tmp_path, TEST_KEY), cwd=ROOT, text=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    assert process.stderr is not None
    try:
        for line in process.stderr:  # the request is queued (held): the lookup finds nothing
            if reconcile.LOOKING in line:
                break
        else:
            pytest.fail("the CLI never started looking for its lost submit")
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stderr.close()
    with HistoryStore.open(DataLayout(data)) as store:
        [job_id] = store.lost_submits()
        before = store.get(job_id)
        assert before is not None
        assert before.state is JobState.unknown
    server.set_scenario({"hold": []}, merge=True)  # fal runs it: it shows in the history
    engine, log = engine_factory(server.base_url, root=data)
    assert isinstance(log.wait_final(job_id, timeout=40), ev.Completed)
    assert job_id in engine.recovered
    assert server.stats()["submits_by_job_id"] == {job_id: 1}
    after = engine.store.get(job_id) if engine.store is not None else None
    assert after is not None
    assert after.state is JobState.completed
    assert after.images


def test_a_search_taken_up_again_does_not_nest_its_looking_note() -> None:
    why = "the submit may have reached fal but no answer came"
    once = reconcile.looking_note(why)
    assert once.startswith(reconcile.LOOKING)
    assert reconcile.lost_reason(once) == why
    assert reconcile.lost_reason(reconcile.looking_note(once)) == why
    assert reconcile.lost_reason(None) == "submission outcome unknown"
