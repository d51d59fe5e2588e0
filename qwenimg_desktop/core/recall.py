"""Recall while writing: completions for the line being typed from past prompts and the library.

The index holds every distinct line of past prompts (headings without their ``#`` marks) and
every snippet, each with a use count: how many prompts had the line, how often a snippet was
used. Lookups walk a bucket keyed by the first :data:`MIN_PREFIX` characters (case-folded) in
use order and stop at ``limit`` matches, so a suggestion costs microseconds to a few
milliseconds at 100,000 prompts. Building reads every prompt: do it off the GUI thread.
"""

from __future__ import annotations

import bisect
import heapq
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

MIN_PREFIX: Final = 3
"""Characters typed on a line before suggestions appear as you type."""
MAX_LINE_CHARS: Final = 1000
"""Longer lines are not offered (they are paragraphs, not reusable lines)."""
SNIPPET_BONUS: Final = 5
"""A library entry counts as this many uses more than its own count: the user saved it."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One completion: ``text`` replaces the typed part of the line (after any ``#`` marks)."""

    text: str
    kind: str  # "line", "heading" or "snippet"
    uses: int
    label: str = ""
    """What the popup shows (a snippet's name with its text); ``text`` when empty."""

    @property
    def display(self) -> str:
        return self.label or self.text


def split_marks(line: str) -> tuple[str, str]:
    """``("## ", "Scene")`` for ``"## Scene"``: leading spacing and heading marks, the rest."""
    stripped = line.lstrip()
    body = stripped.lstrip("#")
    if body != stripped:
        body = body.lstrip()
    return line[:len(line) - len(body)], body


class RecallIndex:
    """Distinct prompt lines, headings and snippets with use counts; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, dict[tuple[str, str], Suggestion]] = {}
        self._sorted: dict[str, _Ranked] = {}
        self._snippet_keys: list[tuple[str, tuple[str, str]]] = []

    def __len__(self) -> int:
        return sum(len(b) for b in self._buckets.values())

    def __repr__(self) -> str:
        return f"<RecallIndex {len(self)} entries>"

    @classmethod
    def build(cls, prompts: Iterable[str], snippets: Iterable[tuple[str, str, int]] = (),
              ) -> RecallIndex:
        """From past prompts and ``(name, text, uses)`` of library snippets."""
        index = cls()
        counts: dict[tuple[str, str], int] = {}
        for prompt in prompts:
            for key in _prompt_keys(prompt):
                counts[key] = counts.get(key, 0) + 1
        with index._lock:
            for (kind, text), uses in counts.items():
                index._put(_bucket(text), (kind, text), Suggestion(text, kind, uses))
            index._put_snippets(snippets)
            index._rank_all()  # here, on the building thread, not on the first keystroke
        return index

    def add_prompt(self, prompt: str) -> None:
        """Count a newly written prompt's lines (for example when it is sent)."""
        with self._lock:
            for kind, text in _prompt_keys(prompt):
                bucket = _bucket(text)
                old = self._buckets.get(bucket, {}).get((kind, text))
                uses = (old.uses if old else 0) + 1
                self._put(bucket, (kind, text), Suggestion(text, kind, uses))
                self._ranked(bucket)

    def set_snippets(self, snippets: Iterable[tuple[str, str, int]]) -> None:
        """Replace the library part of the index with ``(name, text, uses)`` entries.

        The affected buckets are re-ranked here, outside the lock (call it off the GUI thread);
        until then lookups keep the previous ranking instead of waiting.
        """
        with self._lock:
            before = dict(self._sorted)
            touched = {bucket for bucket, _ in self._snippet_keys}
            for bucket, key in self._snippet_keys:
                self._buckets.get(bucket, {}).pop(key, None)
            self._snippet_keys = []
            self._put_snippets(snippets)
            touched |= {bucket for bucket, _ in self._snippet_keys}
            for bucket in touched:  # the old ranking serves lookups meanwhile
                if bucket in before:
                    self._sorted[bucket] = before[bucket]
            entries = {b: list(self._buckets.get(b, {}).values()) for b in touched}
        ranked = {bucket: _Ranked.of(listed) for bucket, listed in entries.items()}
        with self._lock:
            self._sorted.update(ranked)

    def suggest(self, typed: str, limit: int = 8) -> list[Suggestion]:
        """Completions of one line's text (heading marks and spacing ignored), most used first;
        none below :data:`MIN_PREFIX` characters or for an exact, complete line."""
        _, body = split_marks(typed)
        if len(body) < MIN_PREFIX:
            return []
        folded = body.casefold()
        bucket = _bucket(body)
        with self._lock:
            ranked = self._ranked(bucket)
        if len(folded) == MIN_PREFIX:  # the whole bucket matches: it is already in use order
            candidates: Iterable[Suggestion] = ranked.by_use
        else:  # the entries starting with the typed text, then the most used of them
            low = bisect.bisect_left(ranked.keys, folded)
            high = bisect.bisect_left(ranked.keys, folded + "\U0010ffff", low)
            best = heapq.nlargest(limit * 2, range(low, high), key=ranked.rank)
            candidates = [ranked.by_key[k] for k in best]
        found: list[Suggestion] = []
        seen: set[str] = set()
        for entry in candidates:
            if entry.text != body and entry.text not in seen:
                seen.add(entry.text)
                found.append(entry)
                if len(found) >= limit:
                    break
        return found

    # ---- internals (lock held) -----------------------------------------------------------------

    def _put(self, bucket: str, key: tuple[str, str], entry: Suggestion) -> None:
        """Store an entry; the bucket's ranking is redone by the caller (or on first use)."""
        self._buckets.setdefault(bucket, {})[key] = entry
        self._sorted.pop(bucket, None)

    def _ranked(self, bucket: str) -> _Ranked:
        ranked = self._sorted.get(bucket)
        if ranked is None:
            ranked = _Ranked.of(self._buckets.get(bucket, {}).values())
            self._sorted[bucket] = ranked
        return ranked

    def _rank_all(self) -> None:
        for bucket in self._buckets:
            self._ranked(bucket)

    def _put_snippets(self, snippets: Iterable[tuple[str, str, int]]) -> None:
        """Each snippet is found by its name and by its first line."""
        for name, text, uses in snippets:
            body = text.strip()
            if not body:
                continue
            first = split_marks(body.splitlines()[0])[1]
            for match in dict.fromkeys(k for k in (name.strip(), first) if len(k) >= MIN_PREFIX):
                label = match if match == first else f"{match} — {first[:60]}"
                key = ("snippet", f"{match}\x00{body}")
                bucket = _bucket(match)
                self._put(bucket, key, Suggestion(body, "snippet", uses + SNIPPET_BONUS, label))
                self._snippet_keys.append((bucket, key))


@dataclass(frozen=True)
class _Ranked:
    """One bucket twice: in use order, and by case-folded match text (with its keys)."""

    by_use: list[Suggestion]
    by_key: list[Suggestion]
    keys: list[str]
    order: list[int]
    """Each ``by_key`` entry's position in the bucket (first added first): breaks use ties."""

    @classmethod
    def of(cls, entries: Iterable[Suggestion]) -> _Ranked:
        listed = list(entries)
        keyed = sorted((_folded(e.label or e.text), i) for i, e in enumerate(listed))
        return cls(sorted(listed, key=_uses, reverse=True), [listed[i] for _, i in keyed],
                   [k for k, _ in keyed], [i for _, i in keyed])

    def rank(self, position: int) -> tuple[int, int]:
        """Sort key of ``by_key[position]``: more uses first, then the earlier added."""
        return self.by_key[position].uses, -self.order[position]


def _uses(entry: Suggestion) -> int:
    return entry.uses


def _folded(text: str) -> str:
    """``text.casefold()``, but ``text`` itself when folding changes nothing (most prompt lines
    are lower case): at 100,000 prompts a second copy of every line was ~45 MB of the index."""
    folded = text.casefold()
    return text if folded == text else folded


def _bucket(text: str) -> str:
    return text[:MIN_PREFIX].casefold()


def _prompt_keys(prompt: str) -> Iterable[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for line in prompt.splitlines():
        marks, body = split_marks(line)
        body = body.rstrip()
        if len(body) < MIN_PREFIX or len(body) > MAX_LINE_CHARS:
            continue
        key = ("heading" if "#" in marks else "line", body)
        if key not in seen:
            seen.add(key)
            yield key
