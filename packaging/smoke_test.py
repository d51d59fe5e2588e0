"""Run an app's ``--smoke-test`` (frozen binary or ``python main.py``) and judge its output.

The run gets its own ``--data-dir`` so the log file survives the run: on Windows a windowed
executable may have no stderr, and the log file holds the same records.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

LOG_FILE: Final = Path("logs") / "qwenimg-desktop.log"
DEFAULT_TIMEOUT_S: Final = 120.0
_RECORD: Final = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+)\s+(?P<logger>\S+) "
    r"\[[^\]]*\] (?P<message>.*)$"
)
_QUIET_LEVELS: Final = frozenset({"DEBUG", "INFO"})
# Known noise, each harmless: offscreen has no window manager to pass size hints to; Qt's
# complaint about a missing or shared XDG_RUNTIME_DIR when run as root in CI.
HARMLESS: Final = (
    re.compile(r"This plugin does not support propagateSizeHints\(\)"),
    re.compile(r"QStandardPaths: (XDG_RUNTIME_DIR not set|wrong permissions on runtime directory)"),
    re.compile(r"QStandardPaths: runtime directory '[^']*' is not owned by UID"),
)
_PLUGIN_WORDS: Final = re.compile(
    r"plugin|qt\.qpa|platform|imageformat|inputcontext|QPluginLoader|Cannot load library",
    re.IGNORECASE,
)


def _harmless(text: str) -> bool:
    return any(pattern.search(text) for pattern in HARMLESS)


def problem_lines(output: str) -> list[str]:
    """Lines that must not appear: log records at WARNING or above, and any line that is not a
    log record at all (raw Qt output, tracebacks, Python warnings), minus :data:`HARMLESS`."""
    problems: list[str] = []
    for line in output.splitlines():
        if not line.strip():
            continue
        record = _RECORD.match(line)
        if record is not None and record["level"] in _QUIET_LEVELS:
            continue
        text = record["message"] if record is not None else line
        if not _harmless(text):
            problems.append(line)
    return problems


def plugin_warnings(output: str) -> list[str]:
    """The subset of :func:`problem_lines` about Qt plugins (platform, image, input method)."""
    return [line for line in problem_lines(output) if _PLUGIN_WORDS.search(line)]


@dataclass
class SmokeResult:
    """The outcome of one smoke run."""

    command: list[str]
    returncode: int
    stdout: str
    stderr: str
    log: str
    seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """The ``SMOKE ...`` line from stdout, else from the log (no stdout on windowed Windows)."""
        lines = [line for line in self.stdout.splitlines() if line.startswith("SMOKE ")]
        if not lines:
            lines = [line[line.index("SMOKE "):] for line in self.log.splitlines()
                     if " qwenimg.smoke " in line and "SMOKE " in line]
        return lines[-1] if lines else "(no SMOKE line printed)"

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.verdict.startswith("SMOKE OK") and not self.problems

    def facts(self) -> dict[str, str]:
        """``key=value`` pairs of the ``SMOKE OK`` line (quoted values keep their spaces)."""
        pairs = re.findall(r"(\w+)=('[^']*'|\S+)", self.verdict)
        return {key: value.strip("'") for key, value in pairs}

    def describe(self) -> str:
        parts = [f"exit {self.returncode} in {self.seconds:.2f} s: {self.verdict}"]
        parts += [f"  unexpected output: {line}" for line in self.problems]
        if self.returncode != 0 and self.stderr.strip():
            parts.append("  stderr tail:\n" + "\n".join(self.stderr.splitlines()[-20:]))
        return "\n".join(parts)


def smoke_env(base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.update(extra)
    return env


def run_smoke(
    command: Sequence[str], *, env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S, cwd: Path | None = None,
    extra_args: Iterable[str] = (),
) -> SmokeResult:
    """Run ``command --smoke-test --data-dir <tmp>`` and collect stdout, stderr and the log."""
    with tempfile.TemporaryDirectory(prefix="qwenimg-smoke-") as data_dir:
        argv = [*command, "--smoke-test", "--data-dir", data_dir, *extra_args]
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                argv, env=smoke_env(env), cwd=cwd, capture_output=True, text=True,
                encoding="utf-8", errors="replace", timeout=timeout, check=False,
                stdin=subprocess.DEVNULL,
            )
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            code = -1
            out = _text(exc.stdout) + f"\nSMOKE FAILED: no exit within {timeout:g} s\n"
            err = _text(exc.stderr)
        seconds = time.perf_counter() - start
        log_path = Path(data_dir) / LOG_FILE
        log = log_path.read_text("utf-8", errors="replace") if log_path.is_file() else ""
    problems = problem_lines(err)
    problems += [f"[log] {line}" for line in problem_lines(log) if line not in problems]
    return SmokeResult(list(argv), code, out, err, log, seconds, problems)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", "replace")
