"""Batch plans: grid axes, their labels and order, validation per endpoint, limits, cost."""

from __future__ import annotations

import random

import pytest

from qwenimg_desktop.core.batch.plan import (
    MAX_BATCH_JOBS,
    BatchPlanError,
    parse_axis,
    plan_batch,
    seed_sweep,
)
from qwenimg_desktop.core.params import GenerationRequest, OutputFormat
from qwenimg_desktop.core.pricing import CachedPrice

FAL_PRICES = {
    "fal-ai/qwen-image-2/pro/text-to-image": CachedPrice(
        "fal-ai/qwen-image-2/pro/text-to-image", 0.075, "image", "USD", 0.0),
    "fal-ai/qwen-image-2/text-to-image": CachedPrice(
        "fal-ai/qwen-image-2/text-to-image", 0.035, "image", "USD", 0.0),
}
BASE = GenerationRequest(prompt="a red cat on a mat, 一只猫", seed=5, num_images=2)


def test_axes_multiply_first_slowest_with_labels() -> None:
    plan = plan_batch(BASE, axes=[parse_axis("seed=1-3"), parse_axis("format=png,webp")])
    assert [job.labels for job in plan.jobs][:3] == [
        ("seed 1", "png"), ("seed 1", "webp"), ("seed 2", "png")]
    assert len(plan.jobs) == 6
    assert plan.jobs[1].request.output_format is OutputFormat.webp
    assert plan.images == 12
    assert plan.total_cost(None, FAL_PRICES) == pytest.approx(12 * 0.075)
    assert plan.total_cost(0.1, FAL_PRICES) == pytest.approx(1.2)  # the user's own price wins
    assert plan.total_cost() is None  # no price known: unknown, never $0


def test_tier_axis_switches_endpoint_and_prices_each_job_by_its_endpoint() -> None:
    plan = plan_batch(BASE, axes=[parse_axis("tier=pro,standard")])
    endpoints = [job.request.endpoint for job in plan.jobs]
    assert endpoints[0].endswith("/pro/text-to-image")
    assert "/pro/" not in endpoints[1]
    assert plan.jobs[1].request.prompt == BASE.prompt
    assert plan.jobs[1].request.seed == 5
    assert plan.total_cost(None, FAL_PRICES) == pytest.approx(2 * 0.075 + 2 * 0.035)


def test_replace_size_and_expansion_axes() -> None:
    plan = plan_batch(BASE, axes=[parse_axis("replace=cat,dog,狐狸"),
                                  parse_axis("size=square_hd,1024x768"),
                                  parse_axis("expansion=on,off")])
    prompts = sorted({job.request.prompt for job in plan.jobs})
    assert prompts == sorted(["a red cat on a mat, 一只猫", "a red dog on a mat, 一只猫",
                              "a red 狐狸 on a mat, 一只猫"])
    assert len(plan.jobs) == 12
    assert plan.jobs[2].request.dimensions == (1024, 768)
    assert plan.jobs[1].request.enable_prompt_expansion is False


def test_prompts_from_variables_come_before_axes() -> None:
    plan = plan_batch(BASE, prompts=["a", "b"], axes=[parse_axis("seed=7,8")])
    assert [(j.request.prompt, j.request.seed) for j in plan.jobs] == [
        ("a", 7), ("a", 8), ("b", 7), ("b", 8)]


@pytest.mark.parametrize(("text", "message"), [
    ("colour=red", "Unknown axis 'colour=red'"),
    ("seed=9-3", "runs backwards"),
    ("seed=0-5000", "5,001 seeds"),
    ("seed=1,x", "Seed 'x' is not a whole number"),
    ("seed=1,,2", "empty value"),
    ("expansion=maybe", "takes on and off"),
    ("tier=ultra", "takes pro and standard"),
    ("replace=cat", "needs the text to find"),
])
def test_bad_axes_are_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(BatchPlanError, match=message):
        parse_axis(text)


def test_bad_values_and_counts_are_refused_before_any_job() -> None:
    with pytest.raises(BatchPlanError, match="size axis value 'huge'"):
        plan_batch(BASE, axes=[parse_axis("size=square,huge")])
    with pytest.raises(BatchPlanError, match="searches for 'wolf'"):
        plan_batch(BASE, axes=[parse_axis("replace=wolf,dog")])
    with pytest.raises(BatchPlanError, match="1,200 jobs; the limit is 1,000"):
        plan_batch(BASE, prompts=["p"] * 12, axes=[parse_axis("seed=1-100")])
    with pytest.raises(BatchPlanError, match="one axis only"):
        plan_batch(BASE, axes=[parse_axis("seed=1"), parse_axis("seed=2")])
    assert MAX_BATCH_JOBS == 1000


def test_more_like_this_keeps_settings_with_new_seeds() -> None:
    rng = random.Random(3)
    plan = seed_sweep(BASE, 4, rng=lambda top: rng.randint(0, top))
    assert len(plan.jobs) == 4
    assert len({job.request.seed for job in plan.jobs}) == 4
    assert all(job.request.model_copy(update={"seed": 5}) == BASE for job in plan.jobs)
    with pytest.raises(BatchPlanError, match="Between 1 and 1,000"):
        seed_sweep(BASE, 0, rng=lambda top: 1)
