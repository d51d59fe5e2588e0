"""Prompt variables: ``{red|blue|green}`` alternatives and ``__colours__`` wildcards.

One prompt written with variables stands for many prompts. The grammar:

- ``{a|b|c}`` — one of the alternatives; alternatives may hold further variables (nesting) and
  may be empty (``{a|}`` is "a or nothing"). ``{}`` is refused: it is always a slip.
- ``__name__`` — one entry of the wildcard list ``<data dir>/wildcards/name.txt`` (one entry a
  line, UTF-8; blank lines and lines starting with ``#`` are skipped). Entries may hold
  variables too; a list that reaches itself again is refused.
- ``\\{``, ``\\}``, ``\\|``, ``\\_`` and ``\\\\`` write the character itself. A backslash before
  anything else stays a backslash (a Windows path in a prompt is left alone).
- A ``|`` outside braces is plain text.

Expansion is either every combination, in a fixed order (first alternative first, the
rightmost variable varying fastest), or N picks drawn uniformly over all combinations from a
seed: the same prompt, lists and seed give the same prompts on every machine. The combination
count is computed before anything is expanded, so a prompt with millions of combinations is
refused at once instead of being built.

Everything here is checked before a job is made: a malformed prompt raises
:class:`PromptVariablesError` naming the place, and nothing is sent.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from qwenimg_desktop.core.errors import UserError

MAX_EXPANSIONS: Final = 1000
"""Most prompts one expansion (all combinations or N picks) may make: each is a paid job."""

MAX_WILDCARD_DEPTH: Final = 16
"""Deepest chain of wildcards naming wildcards (a guard; real lists nest two or three deep)."""

MAX_WILDCARD_FILE_BYTES: Final = 1024 * 1024
"""A wildcard list larger than this is refused (it is read whole, on every expansion)."""

WILDCARDS_DIR: Final = "wildcards"
"""The folder, in the data dir, holding one ``<name>.txt`` per wildcard."""

_ESCAPABLE: Final = frozenset("{}|_\\")
_WILDCARD: Final = re.compile(r"__([^\W_](?:[\w-]*[^\W_])?)__")
"""``__name__``: the name is letters, digits (any script), ``-`` and inner ``_``."""


class PromptVariablesError(UserError):
    """A prompt's variables cannot be expanded: the message names the place."""

    next_step = (
        "Fix the prompt (write \\{ or \\} for a literal brace) or the wildcard list, then try "
        "again."
    )


# ---- the parsed form ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Plain text, escapes already resolved."""

    value: str


@dataclass(frozen=True)
class Choice:
    """One of several alternatives, each a sequence of parts."""

    alternatives: tuple[Template, ...]


@dataclass(frozen=True)
class Wildcard:
    """``__name__`` as written, with where it was written (for messages)."""

    name: str
    where: str


Part = Text | Choice | Wildcard
Template = tuple[Part, ...]


@dataclass(frozen=True)
class Span:
    """A stretch of a prompt the editor highlights: ``kind`` says what it is."""

    start: int
    end: int
    kind: Literal["brace", "separator", "wildcard", "escape", "error"]


# ---- parsing ------------------------------------------------------------------------------------


def _place(origin: str, text: str, index: int) -> str:
    """'position 12' in the prompt, or 'wildcards/x.txt line 3, position 5' in a list."""
    column = index + 1
    if not origin:
        return f"position {column}"
    return f"{origin}, position {column}"


def parse(text: str, *, origin: str = "") -> Template:
    """The parsed form of ``text``; raises :class:`PromptVariablesError` naming the place.

    Args:
        origin: where ``text`` comes from when it is not the prompt itself (a wildcard line),
            so that a message points into the right file.
    """
    parts, index = _parse_sequence(text, 0, origin, inside=False)
    if index != len(text):  # pragma: no cover - _parse_sequence consumes all text at top level
        raise PromptVariablesError(f"Unexpected text at {_place(origin, text, index)}.")
    return parts


def _parse_sequence(text: str, index: int, origin: str, *, inside: bool) -> tuple[Template, int]:
    """Parts up to the end of ``text``, or (inside braces) up to an unescaped ``|`` or ``}``."""
    parts: list[Part] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            parts.append(Text("".join(buffer)))
            buffer.clear()

    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPABLE:
            buffer.append(text[index + 1])
            index += 2
            continue
        if char == "{":
            flush()
            choice, index = _parse_choice(text, index, origin)
            parts.append(choice)
            continue
        if char == "}":
            if inside:
                break
            raise PromptVariablesError(
                f"A closing brace }} at {_place(origin, text, index)} has no opening {{."
            )
        if char == "|" and inside:
            break
        if char == "_":
            match = _WILDCARD.match(text, index)
            if match is not None:
                flush()
                parts.append(Wildcard(match.group(1), _place(origin, text, index)))
                index = match.end()
                continue
        buffer.append(char)
        index += 1
    flush()
    return tuple(parts), index


def _parse_choice(text: str, start: int, origin: str) -> tuple[Choice, int]:
    """``{...}`` starting at ``start`` (the ``{``); returns the choice and the index after ``}``."""
    alternatives: list[Template] = []
    index = start + 1
    while True:
        alternative, index = _parse_sequence(text, index, origin, inside=True)
        alternatives.append(alternative)
        if index >= len(text):
            raise PromptVariablesError(
                f"The brace {{ opened at {_place(origin, text, start)} is never closed."
            )
        if text[index] == "|":
            index += 1
            continue
        break  # text[index] == "}"
    if len(alternatives) == 1 and not alternatives[0]:
        raise PromptVariablesError(
            f"Empty braces {{}} at {_place(origin, text, start)}: write alternatives "
            "like {red|blue}, or \\{\\} for literal braces."
        )
    return Choice(tuple(alternatives)), index + 1


def spans(text: str) -> list[Span]:
    """The stretches of ``text`` to highlight; never raises (the editor calls it on every key).

    An unmatched brace is returned as an ``error`` span, so the editor can point at it before
    the user tries to send.
    """
    result: list[Span] = []
    open_braces: list[int] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPABLE:
            result.append(Span(index, index + 2, "escape"))
            index += 2
            continue
        if char == "{":
            open_braces.append(index)
            result.append(Span(index, index + 1, "brace"))
        elif char == "}":
            if open_braces:
                open_braces.pop()
                result.append(Span(index, index + 1, "brace"))
            else:
                result.append(Span(index, index + 1, "error"))
        elif char == "|" and open_braces:
            result.append(Span(index, index + 1, "separator"))
        elif char == "_":
            match = _WILDCARD.match(text, index)
            if match is not None:
                result.append(Span(index, match.end(), "wildcard"))
                index = match.end()
                continue
        index += 1
    unclosed = set(open_braces)
    return [
        Span(span.start, span.end, "error")
        if span.kind == "brace" and span.start in unclosed
        else span
        for span in result
    ]


def has_variables(text: str) -> bool:
    """Whether ``text`` holds anything this module would expand (or refuse)."""
    return bool(spans(text))


# ---- wildcard lists -----------------------------------------------------------------------------


WildcardSource = Callable[[str], "WildcardList"]
"""Reads one wildcard list by name (a folder in the app; a dict in tests)."""


@dataclass(frozen=True)
class WildcardList:
    """The entries of one wildcard list and where they came from (for messages)."""

    label: str
    entries: tuple[tuple[int, str], ...]
    """(line number, text) of each entry."""


def wildcard_path(data_dir: Path, name: str) -> Path:
    """Where the list ``__name__`` lives."""
    return data_dir / WILDCARDS_DIR / f"{name}.txt"


def folder_source(data_dir: Path) -> WildcardSource:
    """A source reading ``<data dir>/wildcards/<name>.txt``."""

    def read(name: str) -> WildcardList:
        path = wildcard_path(data_dir, name)
        label = f"{WILDCARDS_DIR}/{name}.txt"
        try:
            size = path.stat().st_size
            if size > MAX_WILDCARD_FILE_BYTES:
                raise PromptVariablesError(
                    f"The wildcard list {label} is {size:,} bytes; the limit is "
                    f"{MAX_WILDCARD_FILE_BYTES:,}."
                )
            raw = path.read_bytes()
        except FileNotFoundError:
            raise PromptVariablesError(
                f"__{name}__ needs the wildcard list {label}, which does not exist.",
                next_step=f"Create {path} with one entry a line, or fix the name.",
            ) from None
        except IsADirectoryError:
            raise PromptVariablesError(
                f"The wildcard list {label} is a folder, not a file."
            ) from None
        except OSError as error:
            raise PromptVariablesError(
                f"The wildcard list {label} cannot be read: {error.strerror or error}."
            ) from None
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise PromptVariablesError(
                f"The wildcard list {label} is not UTF-8 text (byte {error.start + 1}).",
                next_step="Save the file as UTF-8 and try again.",
            ) from None
        return parse_list(label, content)

    return read


def parse_list(label: str, content: str) -> WildcardList:
    """The entries of a list file's text: one a line, blank and ``#`` lines skipped."""
    entries: list[tuple[int, str]] = []
    for number, line in enumerate(content.splitlines(), start=1):
        entry = line.strip()
        if entry and not entry.startswith("#"):
            entries.append((number, entry))
    if not entries:
        raise PromptVariablesError(
            f"The wildcard list {label} has no entries.",
            next_step=f"Add one entry a line to {label}.",
        )
    return WildcardList(label, tuple(entries))


def mapping_source(lists: dict[str, Sequence[str]]) -> WildcardSource:
    """A source over in-memory lists (tests, previews of unsaved edits)."""

    def read(name: str) -> WildcardList:
        if name not in lists:
            raise PromptVariablesError(
                f"__{name}__ needs the wildcard list {WILDCARDS_DIR}/{name}.txt, which does not "
                "exist."
            )
        return parse_list(f"{WILDCARDS_DIR}/{name}.txt", "\n".join(lists[name]))

    return read


def list_wildcards(data_dir: Path) -> list[str]:
    """The names of the lists in the wildcards folder, sorted (for completion and the panel)."""
    folder = data_dir / WILDCARDS_DIR
    try:
        names = [path.stem for path in folder.glob("*.txt") if path.is_file()]
    except OSError:
        return []
    return sorted(name for name in names if is_wildcard_name(name))


def is_wildcard_name(name: str) -> bool:
    """Whether ``__name__`` calls a list of this name."""
    return _WILDCARD.fullmatch(f"__{name}__") is not None


# ---- resolving, counting, expanding ------------------------------------------------------------


def _resolve(template: Template, source: WildcardSource, chain: tuple[str, ...],
             cache: dict[str, Choice]) -> Template:
    resolved: list[Part] = []
    for part in template:
        if isinstance(part, Text):
            resolved.append(part)
        elif isinstance(part, Choice):
            resolved.append(Choice(tuple(_resolve(alt, source, chain, cache)
                                         for alt in part.alternatives)))
        else:
            resolved.append(_resolve_wildcard(part, source, chain, cache))
    return tuple(resolved)


def _resolve_wildcard(part: Wildcard, source: WildcardSource, chain: tuple[str, ...],
                      cache: dict[str, Choice]) -> Choice:
    if part.name in chain:
        loop = " → ".join(f"__{name}__" for name in (*chain[chain.index(part.name):], part.name))
        raise PromptVariablesError(f"The wildcard lists name each other in a loop: {loop}.")
    if len(chain) >= MAX_WILDCARD_DEPTH:
        raise PromptVariablesError(
            f"Wildcards nest more than {MAX_WILDCARD_DEPTH} deep at __{part.name}__ ({part.where})."
        )
    cached = cache.get(part.name)
    if cached is not None:
        return cached
    listing = source(part.name)
    alternatives = tuple(
        _resolve(parse(entry, origin=f"{listing.label} line {number}"), source,
                 (*chain, part.name), cache)
        for number, entry in listing.entries
    )
    choice = Choice(alternatives)
    cache[part.name] = choice
    return choice


def _count(template: Template) -> int:
    total = 1
    for part in template:
        if isinstance(part, Choice):
            total *= sum(_count(alt) for alt in part.alternatives)
    return total


def _render(template: Template, index: int) -> str:
    """The combination number ``index`` (0-based, in enumeration order) of a resolved template."""
    counts = [_part_count(part) for part in template]
    pieces: list[str] = []
    # The rightmost part varies fastest: peel digits from the right.
    digits: list[int] = []
    for count in reversed(counts):
        digits.append(index % count)
        index //= count
    digits.reverse()
    for part, digit in zip(template, digits, strict=True):
        if isinstance(part, Text):
            pieces.append(part.value)
        elif isinstance(part, Choice):
            rest = digit
            for alternative in part.alternatives:
                size = _count(alternative)
                if rest < size:
                    pieces.append(_render(alternative, rest))
                    break
                rest -= size
    return "".join(pieces)


def _part_count(part: Part) -> int:
    if isinstance(part, Choice):
        return sum(_count(alt) for alt in part.alternatives)
    return 1


@dataclass(frozen=True)
class PromptVariables:
    """A prompt with its variables resolved: count first, then expand within the limit."""

    text: str
    count: int
    _template: Template

    def combination(self, index: int) -> str:
        """Combination ``index`` in enumeration order (0 ≤ index < count)."""
        if not 0 <= index < self.count:
            raise IndexError(index)
        return _render(self._template, index)

    def all(self, *, limit: int = MAX_EXPANSIONS) -> list[str]:
        """Every combination in order; refuses (nothing expanded) when there are over ``limit``."""
        if self.count > limit:
            raise PromptVariablesError(
                f"The prompt makes {self.count:,} combinations; the limit is {limit:,}.",
                next_step="Choose random picks instead, or remove some alternatives.",
            )
        return [self.combination(index) for index in range(self.count)]

    def picks(self, n: int, seed: int, *, limit: int = MAX_EXPANSIONS) -> list[str]:
        """``n`` combinations drawn uniformly (repeats possible) with ``seed``: reproducible."""
        if n < 1:
            raise PromptVariablesError("The number of random picks must be at least 1.")
        if n > limit:
            raise PromptVariablesError(f"{n:,} random picks asked; the limit is {limit:,}.")
        rng = random.Random(seed)
        return [self.combination(rng.randrange(self.count)) for _ in range(n)]

    def sample(self, n: int = 5) -> list[str]:
        """Up to ``n`` combinations spread evenly over all of them (the panel's preview)."""
        if self.count <= n:
            return [self.combination(index) for index in range(self.count)]
        step = (self.count - 1) / (n - 1) if n > 1 else 0
        return [self.combination(round(step * k)) for k in range(n)]


def resolve(text: str, source: WildcardSource) -> PromptVariables:
    """Parse ``text`` and resolve its wildcards through ``source``; nothing is expanded yet."""
    template = _resolve(parse(text), source, (), {})
    return PromptVariables(text, _count(template), template)


ExpansionMode = Literal["all", "random"]


def expand(text: str, source: WildcardSource, *, mode: ExpansionMode = "all", picks: int = 1,
           seed: int = 0, limit: int = MAX_EXPANSIONS) -> list[str]:
    """The prompts ``text`` stands for: every combination, or ``picks`` seeded random picks."""
    variables = resolve(text, source)
    if mode == "all":
        return variables.all(limit=limit)
    return variables.picks(picks, seed, limit=limit)
