"""JobFlags: job id → one flag, for as many jobs as a history holds, in little memory.

The start-up file check flags every job whose image files are gone (with whether fal may still
hold its result, so Re-download is offered), and the window keeps that for the session. A
history whose files were moved away flags them all: at 100,000 generations, 97,297 job ids as
Python strings in a dict and a set were ~15 MB, and, being made while the check's rows came and
went, they kept ~40 MB more of the window's small-object memory from being returned (partly used
pools pin whole arenas).

Ids as the app makes them (32 lower-case hex digits, ``uuid4().hex``) are kept as 16 bytes and a
flag byte each, sorted, in one ``bytes`` object, found by bisection: ~1.7 MB for 100,000 jobs
and one allocation. Any other id (none that the app writes) goes into a small dict. Changes made
later (a file found unreadable when shown, a job re-downloaded) go into a small overlay, so the
packed part is never rebuilt; :meth:`copy` shares it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from typing import Final

_ID_BYTES: Final = 16
_RECORD: Final = _ID_BYTES + 1  # the id, then the flag byte
_HEX: Final = frozenset("0123456789abcdef")


def _packed_id(job_id: str) -> bytes | None:
    """The 16 bytes of an id of 32 lower-case hex digits (None for any other id)."""
    if len(job_id) != 2 * _ID_BYTES or not _HEX.issuperset(job_id):
        return None
    return bytes.fromhex(job_id)


class JobFlags(MutableMapping[str, bool]):
    """A ``dict[str, bool]`` of job ids in ~17 bytes per job (see the module's docstring)."""

    __slots__ = ("_count", "_extra", "_packed", "_removed")

    def __init__(self, items: Iterable[tuple[str, bool]] = ()) -> None:
        builder = JobFlagsBuilder()
        for job_id, flag in items:  # a repeated id is flagged if any of its pairs is
            builder.add(job_id, flag)
        self._packed, self._count, self._extra = builder.packed()
        self._removed: set[str] = set()  # packed ids deleted after construction

    def _find(self, raw: bytes) -> int:
        """The record index of ``raw`` in the packed part, or -1."""
        lo, hi = 0, self._count
        packed = self._packed
        while lo < hi:
            mid = (lo + hi) // 2
            start = mid * _RECORD
            found = packed[start:start + _ID_BYTES]
            if found == raw:
                return mid
            if found < raw:
                lo = mid + 1
            else:
                hi = mid
        return -1

    def _packed_flag(self, job_id: str) -> bool | None:
        raw = _packed_id(job_id)
        if raw is None or job_id in self._removed:
            return None
        at = self._find(raw)
        return None if at < 0 else self._packed[at * _RECORD + _ID_BYTES] == 1

    def __getitem__(self, job_id: str) -> bool:
        if job_id in self._extra:
            return self._extra[job_id]
        flag = self._packed_flag(job_id)
        if flag is None:
            raise KeyError(job_id)
        return flag

    def __setitem__(self, job_id: str, flag: bool) -> None:
        self._extra[job_id] = flag

    def __delitem__(self, job_id: str) -> None:
        in_extra = self._extra.pop(job_id, None) is not None
        if self._packed_flag(job_id) is not None:
            self._removed.add(job_id)
        elif not in_extra:
            raise KeyError(job_id)

    def __iter__(self) -> Iterator[str]:
        yield from self._extra
        for at in range(self._count):
            start = at * _RECORD
            job_id = self._packed[start:start + _ID_BYTES].hex()
            if job_id not in self._removed and job_id not in self._extra:
                yield job_id

    def __len__(self) -> int:
        shadowed = sum(1 for job_id in self._extra if self._packed_flag(job_id) is not None)
        return self._count - len(self._removed) + len(self._extra) - shadowed

    def __contains__(self, job_id: object) -> bool:
        if not isinstance(job_id, str):
            return False
        return job_id in self._extra or self._packed_flag(job_id) is not None

    def copy(self) -> JobFlags:
        """An independent copy; the packed part (immutable) is shared, not copied."""
        twin = JobFlags()
        twin._packed, twin._count = self._packed, self._count
        twin._extra, twin._removed = dict(self._extra), set(self._removed)
        return twin

    def __repr__(self) -> str:
        return f"<JobFlags {len(self)} jobs>"


class JobFlagsBuilder:
    """Collects (job id, flag) pairs for a :class:`JobFlags` without a Python object per job:
    a walk of every row adds 17 bytes to one buffer per flagged image, so nothing it keeps is
    made among the walk's short-lived rows. A job added more than once is flagged if any of
    its additions was (the check adds each of a job's images with the job's one flag)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._extra: dict[str, bool] = {}

    def add(self, job_id: str, flag: bool) -> None:
        raw = _packed_id(job_id)
        if raw is None:
            self._extra[job_id] = self._extra.get(job_id, False) or flag
        else:
            self._buffer += raw
            self._buffer.append(1 if flag else 0)

    def packed(self) -> tuple[bytes, int, dict[str, bool]]:
        """(sorted records without repeats, their count, the ids not packed)."""
        data = bytes(self._buffer)
        # Sorted whole (id, then flag): a job's records are neighbours, its flagged one last.
        # No sort key: a key object per record was ~5 MB more at the end of the check of
        # 97,297 jobs, when the window's memory peaked.
        records = [data[at:at + _RECORD] for at in range(0, len(data), _RECORD)]
        del data
        records.sort()
        packed = bytearray()
        for i, record in enumerate(records):
            if i + 1 == len(records) or records[i + 1][:_ID_BYTES] != record[:_ID_BYTES]:
                packed += record
        return bytes(packed), len(packed) // _RECORD, dict(self._extra)

    def build(self) -> JobFlags:
        flags = JobFlags()
        flags._packed, flags._count, flags._extra = self.packed()
        return flags
