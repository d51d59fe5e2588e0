"""JobFlags: a dict[str, bool] of job ids in ~17 bytes a job (the file check's missing jobs)."""

from __future__ import annotations

import random
import tracemalloc
import uuid

from qwenimg_desktop.core.store.job_flags import JobFlags, JobFlagsBuilder


def _ids(rng: random.Random, n: int) -> list[str]:
    made = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(n)]
    # Not every id is the app's own form: those are kept too, exactly.
    return [*made, "not-a-uuid", "ABCDEF0123456789ABCDEF0123456789", "é" * 32, ""]


def test_it_answers_as_a_dict_through_changes_and_copies() -> None:
    rng = random.Random(21)
    for _ in range(40):
        ids = _ids(rng, rng.randrange(0, 60))
        pairs = [(rng.choice(ids), rng.random() < 0.5) for _ in range(rng.randrange(0, 120))]
        expected: dict[str, bool] = {}
        for job_id, flag in pairs:
            expected[job_id] = expected.get(job_id, False) or flag  # flagged if any pair is
        flags = JobFlags(pairs)
        snapshots: list[tuple[JobFlags, dict[str, bool]]] = []
        for _ in range(30):
            job_id = rng.choice(ids)
            match rng.randrange(4):
                case 0:
                    flag = rng.random() < 0.5
                    flags[job_id] = flag
                    expected[job_id] = flag
                case 1:
                    assert flags.pop(job_id, None) == expected.pop(job_id, None)
                case 2:
                    snapshots.append((flags.copy(), dict(expected)))
                case _:
                    assert flags.get(job_id) == expected.get(job_id)
            assert (job_id in flags) == (job_id in expected)
            assert len(flags) == len(expected)
            assert sorted(flags) == sorted(expected)
            assert flags == expected
        for copy, then in snapshots:  # a copy does not follow later changes
            assert dict(copy.items()) == then
        assert not flags.__contains__(12345)  # not an id: not in it, no error


def test_a_job_added_twice_is_flagged_if_either_addition_was() -> None:
    builder = JobFlagsBuilder()
    job, other = uuid.uuid4().hex, uuid.uuid4().hex
    for job_id, flag in [(job, True), (other, False), (job, False), ("x", True), ("x", False)]:
        builder.add(job_id, flag)
    assert builder.build() == {job: True, other: False, "x": True}
    again = JobFlagsBuilder()
    for job_id, flag in [(job, False), (job, True), ("x", False), ("x", True)]:
        again.add(job_id, flag)
    assert again.build() == {job: True, "x": True}


def test_100000_jobs_are_kept_in_under_2_mb() -> None:
    # The window keeps these for the session: 97,297 flagged jobs at 100,000 generations were
    # a dict and a frozenset of id strings, ~15 MB.
    rng = random.Random(5)
    ids = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(100_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        builder = JobFlagsBuilder()
        for n, job_id in enumerate(ids):
            builder.add(job_id, n % 3 == 0)
        flags = builder.build()
        del builder
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 2_000_000, kept
    assert len(flags) == 100_000
    assert flags[ids[0]] is True
    assert flags[ids[1]] is False
    assert uuid.uuid4().hex not in flags
