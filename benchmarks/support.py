"""Shared benchmark plumbing: an emulator in a subprocess, machine facts, table printing."""

from __future__ import annotations

import itertools
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import httpx

if TYPE_CHECKING:  # the plain-httpx children never import Qt
    from qwenimg_desktop.app.runtime import AppRuntime
    from qwenimg_desktop.ui.main_window import MainWindow

KEY = "bench:0123456789abcdef"


@contextmanager
def emulator_process(**scenario: Any) -> Iterator[str]:
    """Run ``python -m qwenimg_desktop.emulator --port 0`` with ``scenario``; yield its base URL.

    The emulator renders placeholder images in its own process, so its CPU work does not share
    the benchmarked process's GIL (it still shares the machine's cores).
    """
    import json

    cmd = [sys.executable, "-m", "qwenimg_desktop.emulator", "--port", "0",
           "--scenario", json.dumps(scenario)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    _EMULATOR_PIDS.add(proc.pid)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"the emulator did not start (printed {url!r})")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        _EMULATOR_PIDS.discard(proc.pid)


_EMULATOR_PIDS: set[int] = set()
"""Emulators this process started: children, but not the app's (kept out of its peak RSS)."""


def set_scenario(base_url: str, **patch: Any) -> dict[str, Any]:
    """Merge ``patch`` into the running emulator's scenario (control API)."""
    response = httpx.post(f"{base_url}/_emulator/scenario", json=patch, timeout=10)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def machine() -> str:
    """One line: cores, CPU model, Python, PySide6 and platform."""
    try:
        import PySide6

        qt = PySide6.__version__
    except ImportError:
        qt = "absent"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"PySide6 {qt}, {platform.system()} {platform.release()}")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def p50(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: int) -> float:
    """The ``q``-th percentile within the values measured: the "inclusive" method never reports
    a figure above the largest one (the default "exclusive" method extrapolates past it when
    there are fewer than 100 / (100 - q) values, e.g. p95 7.6 ms with a maximum of 5.3 ms)."""
    if len(values) < 2:
        return max(values)
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def p95(values: Sequence[float]) -> float:
    return percentile(values, 95)


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain fixed-width table (also valid Markdown)."""
    print(title)
    cells = [list(map(str, header))] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def thread_name() -> str:
    """The calling thread's name: Python's, or for a thread Python did not start (a Qt pool
    thread, which Python calls ``Dummy-N``) the name the OS has for it (Qt names a pool's
    threads after the pool: ``history-search``, ``prompt-recall``; Linux keeps 15 characters)."""
    import threading

    name = threading.current_thread().name
    if name.startswith("Dummy-"):
        try:
            return Path("/proc/thread-self/comm").read_text().strip() or name
        except OSError:
            return name
    return name


class GcPauses:
    """Records every cyclic-GC pass of this process: generation, duration and thread.

    A pass holds the GIL for its whole duration, whichever thread triggered it, so a long
    generation-2 pass on a worker thread stalls the GUI thread just as much.
    """

    def __init__(self) -> None:
        import threading
        import time

        self._threading = threading
        self._clock = time.perf_counter  # bound now: callbacks may run at interpreter exit
        self._started: dict[int, float] = {}
        self.passes: list[tuple[int, float, str]] = []  # (generation, ms, thread name)
        self._names: dict[int, str] = {}

    def __enter__(self) -> GcPauses:
        import gc

        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        import gc

        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        ident = self._threading.get_ident()
        if phase == "start":
            self._started[ident] = self._clock()
            return
        began = self._started.pop(ident, None)
        if began is not None:
            name = self._names.get(ident)
            if name is None:  # once per thread: a pool thread's OS name says whose it is
                name = self._names[ident] = thread_name()
            self.passes.append((info["generation"], (self._clock() - began) * 1000, name))

    def longest(self, generation: int | None = None) -> float:
        times = [ms for gen, ms, _ in self.passes if generation is None or gen == generation]
        return max(times, default=0.0)

    def summary(self) -> str:
        parts = []
        for gen in (0, 1, 2):
            passes = [(ms, thread) for g, ms, thread in self.passes if g == gen]
            if passes:
                ms, thread = max(passes)  # the thread that ran it (a niced one may be preempted)
                parts.append(f"gen{gen} {len(passes)}× (longest {ms:.1f} ms, on {thread})")
        return ", ".join(parts) or "none"


# ---- background load: the same figures with one CPU-bound process beside the app ----------

#: The two columns every GUI benchmark reports: nothing added, and one busy process added.
LOAD_COLUMNS: tuple[str, ...] = ("idle", "loaded")


@contextmanager
def background_load(active: bool = True) -> Iterator[int | None]:
    """Run one CPU-bound process beside the benchmark while the block runs; yield its pid.

    The process is a plain ``python -c "while True: pass"`` started at the benchmark's own nice
    level, so it competes for a core as any other program on the desktop would (a build, a
    browser tab). ``active=False`` yields ``None`` and starts nothing, so one code path serves
    both columns. "idle" means only that the benchmark added no load: the machine's load average
    is printed next to every figure (:func:`load_average`).
    """
    if not active:
        yield None
        return
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait(10)


def load_average() -> str:
    """The 1-minute load average, formatted for a table cell."""
    return f"{os.getloadavg()[0]:.1f}"


# ---- the window, started as the GUI benchmarks need it -----------------------------------------

class WindowSession:
    """The real ``AppRuntime`` + ``MainWindow`` (offscreen) against the queue at ``url``, with a
    session key, the first-run dialog done and ``concurrency`` jobs at a time, shown and started:
    the key read and the engine (in its own process unless ``in_thread``) ready, the heap
    settled as the app does. ``history``: a data dir (e.g. a ``history_scale`` build) copied
    into the session's temporary one, so runs never change it. Close with :meth:`close`.
    """

    def __init__(self, url: str, *, concurrency: int, in_thread: bool = False,
                 history: Path | None = None) -> None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QEventLoop

        from qwenimg_desktop.app import Options
        from qwenimg_desktop.app.runtime import AppRuntime
        from qwenimg_desktop.core import heap
        from qwenimg_desktop.core.secrets import KeyStore

        self._tmp = tempfile.TemporaryDirectory(prefix="bench-window-")
        base = Path(self._tmp.name) / "base"
        if history is not None:
            shutil.copytree(history, base, ignore=shutil.ignore_patterns("window.lock",
                                                                         "owners"))
        keys = KeyStore()
        keys.set_session_key(KEY)
        self.runtime: AppRuntime = AppRuntime(Options(queue_url=url, engine_in_thread=in_thread),
                                              key_store=keys, base_dir=base)
        self.runtime.settings.first_run_done = True
        self.runtime.settings.concurrency = concurrency
        # Copies still made (their cost is the app's), but into the run's own folder: the
        # default is the user's Pictures folder, which a benchmark must not fill.
        self.runtime.settings.output_folder = str(base / "output")
        self.win: MainWindow = self.runtime.make_window()
        self.win.show()
        self._loop = QEventLoop()
        self.spin_until(lambda: self.win.key_ready, 10)
        engine = self.runtime.engine
        assert engine is not None
        self.spin_until(lambda: engine.ready, 120)
        heap.settle()
        self.together = _TogetherPeak().start()

    def spin_until(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Run the event loop until ``predicate()`` is true; RuntimeError after ``timeout`` s."""
        from PySide6.QtCore import QTimer

        deadline = time.monotonic() + timeout
        poll = QTimer()
        poll.setInterval(20)
        poll.timeout.connect(lambda: self._loop.quit() if predicate() or
                             time.monotonic() > deadline else None)
        poll.start()
        self._loop.exec()
        poll.stop()
        if not predicate():
            raise RuntimeError("timed out")

    def open_history(self) -> int:
        """Show the History tab until its first page of tiles is in (the browser stays built:
        it lives until quit), then go back to Create; returns the rows shown."""
        win = self.win
        win.tabs.setCurrentIndex(1)
        self.spin_until(lambda: win.history.browser is not None
                        and win.history.browser.model.rowCount() > 0, 120)
        assert win.history.browser is not None
        rows = int(win.history.browser.model.rowCount())
        win.tabs.setCurrentIndex(0)
        return rows

    def peak_rss_mb(self) -> tuple[float, float]:
        """(peak RSS of the window's process and its children, of the children alone) in MB:
        the engine's process and the resource tracker ``spawn`` starts, not an emulator this
        process runs (``benchmarks.batch`` did count it: ~60 MB)."""
        children = sum(_peak_rss_of(pid) for pid in _child_pids() if pid not in _EMULATOR_PIDS)
        return peak_rss_mb() + children, children

    def rss_parts(self) -> dict[str, str]:
        """Where the peak RSS is, per process: each one's peak (VmHWM) and what its resident
        pages are now, anonymous (heap, decoded images) vs file-backed (libraries, fonts)."""
        parts = {"window": _rss_detail("self")}
        for pid in _child_pids():
            if pid in _EMULATOR_PIDS:
                continue
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            name = "resource tracker" if b"resource_tracker" in command else f"engine {pid}"
            parts[name] = _rss_detail(str(pid))
        return parts

    def close(self) -> None:
        self.together.stop()
        self.win.close()
        self.runtime.close()
        self._tmp.cleanup()


class _SamplerThread:
    """A daemon thread that runs :meth:`_run` until :meth:`stop`: the lifecycle the
    benchmarks' samplers share (memory together, GUI stacks, the gap watchdog)."""

    def __init__(self, name: str) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        raise NotImplementedError


class _TogetherPeak(_SamplerThread):
    """The largest resident size of the window's process and its children *at one moment*,
    sampled every 20 ms from a daemon thread (Linux /proc; 0 elsewhere).

    :meth:`WindowSession.peak_rss_mb` (the figure goal 5 is judged on) adds each process's own
    peak, and those come at different times: the window's when the jobs finish and their
    images are shown, the engine's ~10 s later while it makes the thumbnails one by one. This
    is the memory the machine had to give the app at once (within the sampling interval: a
    peak shorter than 20 ms can be missed, so it can read a little low)."""

    def __init__(self) -> None:
        super().__init__("rss-together")
        self.peak_mb = 0.0

    def _run(self) -> None:
        page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 0.0
        pids: list[str] = []
        for sample in itertools.count():
            if self._stop.wait(0.02):
                return
            if sample % 50 == 0:  # the children once a second, not each sample (its CPU)
                pids = ["self", *(str(p) for p in _own_children() if p not in _EMULATOR_PIDS)]
            total = 0.0
            for pid in pids:
                try:
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page_mb
                except (OSError, ValueError, IndexError):
                    continue
            self.peak_mb = max(self.peak_mb, total)


def _own_children() -> list[int]:
    """This process's children from its threads' ``children`` files (cheaper than a walk of
    /proc; Linux with CONFIG_PROC_CHILDREN, else the walk)."""
    found: list[int] = []
    try:
        for task in Path("/proc/self/task").iterdir():
            found.extend(int(p) for p in (task / "children").read_text().split())
    except (OSError, ValueError):
        return _child_pids()
    return found


def _child_pids() -> list[int]:
    """Live child processes of this one (Linux /proc; empty elsewhere)."""
    me = os.getpid()
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == me:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _rss_detail(pid: str) -> str:
    """'peak P MB (now: anon A, file F MB)' of process ``pid`` ("self": this one), Linux /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "gone"
    fields = {k: int(v.split()[0]) / 1024 for k, _, v in
              (line.partition(":") for line in status.splitlines())
              if k in ("VmHWM", "RssAnon", "RssFile")}
    return (f"peak {fields.get('VmHWM', 0):.1f} MB (now: anon {fields.get('RssAnon', 0):.1f}, "
            f"file {fields.get('RssFile', 0):.1f} MB)")


def _peak_rss_of(pid: int) -> float:
    """Peak resident set size of another live process, in MB (Linux /proc; 0 elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ---- where the GUI thread's time goes: a sampling profiler for the worst gaps ---------------

class StackSampler(_SamplerThread):
    """Samples the GUI thread's Python stack every ``interval`` s from a daemon thread
    (``BENCH_SAMPLE=1`` in the GUI benchmarks), with the thread that ran Python last: after
    the run, :meth:`report` names what the GUI thread was doing during the longest gaps.

    A profiling aid, off by default: the sampler takes the GIL at each sample, so it adds a
    little load of its own. Frames are the innermost Python frames (a call into Qt shows as
    the Python line that made it); a GUI thread that waits for the GIL shows the line it
    waits on, and ``other`` names the threads that had Python frames moving meanwhile.
    """

    def __init__(self, interval: float = 0.001, depth: int = 8) -> None:
        super().__init__("bench-sampler")
        self._threading = threading
        self._gui = threading.get_ident()
        self._interval = interval
        self._depth = depth
        self.samples: list[tuple[float, tuple[str, ...]]] = []

    def _run(self) -> None:
        me = self._threading.get_ident()
        while not self._stop.wait(self._interval):
            now = time.perf_counter()
            frames = sys._current_frames()
            frame = frames.get(self._gui)
            stack: list[str] = []
            while frame is not None and len(stack) < self._depth:
                code = frame.f_code
                stack.append(f"{Path(code.co_filename).stem}:{code.co_name}:{frame.f_lineno}")
                frame = frame.f_back
            busy = [f"{t.name}@{frames[t.ident].f_code.co_name}"
                    for t in self._threading.enumerate()
                    if t.ident not in (self._gui, me) and t.ident in frames
                    and _moving(frames[t.ident])]
            if busy:
                stack.append("other: " + ",".join(sorted(busy)))
            self.samples.append((now, tuple(stack)))

    def report(self, windows: Sequence[tuple[float, float]], top: int = 6) -> list[str]:
        """For each (start, end) perf_counter window, the most frequent stacks sampled in it."""
        from collections import Counter

        lines = []
        for begin, end in windows:
            seen = Counter(stack for at, stack in self.samples if begin <= at <= end)
            total = sum(seen.values())
            lines.append(f"gap {(end - begin) * 1000:.0f} ms: {total} samples")
            for stack, count in seen.most_common(top):
                lines.append(f"  {count:4d}  " + " < ".join(stack))
        return lines


def _moving(frame: Any) -> bool:
    """Whether a thread's innermost frame is Python work rather than a blocking wait."""
    name = frame.f_code.co_name
    return name not in {"wait", "_wait_for_tstate_lock", "select", "get", "accept", "recv",
                        "_recv", "poll", "_poll", "recv_bytes", "_recv_bytes", "read",
                        "readinto", "sleep", "_worker", "run"}


class GuiProfiling:
    """The GUI benchmarks' profiling aids, off unless asked for in the environment:
    ``BENCH_SAMPLE=1`` samples the GUI thread's stack (:class:`StackSampler`, reported for the
    worst gaps); ``BENCH_PROFILE=PATH`` writes the GUI thread's cProfile to ``PATH.<pid>``."""

    def __init__(self) -> None:
        import cProfile

        self._sampler = StackSampler() if os.environ.get("BENCH_SAMPLE") else None
        self._profile_to = os.environ.get("BENCH_PROFILE")
        self._profiler = cProfile.Profile() if self._profile_to else None

    def start(self) -> GuiProfiling:
        if self._sampler is not None:
            self._sampler.start()
        if self._profiler is not None:
            self._profiler.enable()
        return self

    def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.stop()
        if self._profiler is not None:
            self._profiler.disable()
            self._profiler.dump_stats(f"{self._profile_to}.{os.getpid()}")

    def report(self, windows: Sequence[tuple[float, float]]) -> list[str]:
        """What the sampler saw in each window (nothing when it was off)."""
        return self._sampler.report(windows) if self._sampler is not None else []


# ---- who blocked the GUI thread: a watchdog for gaps the GUI thread did not spend working ----

class GapWatchdog(_SamplerThread):
    """Names what happened while the GUI thread was away from its event loop for more than
    ``threshold_ms`` (``BENCH_WATCHDOG=MS`` in the GUI benchmarks; off by default).

    The benchmark's probe calls :meth:`tick` from the GUI thread. A daemon thread polls every
    ``poll_s``; while the last tick is older than the threshold it samples every thread's
    Python stack (``sys._current_frames()``) and each OS thread's state (``R`` running, ``S``
    sleeping: e.g. waiting for the GIL or a lock, ``D`` in the disk). For each such gap it
    keeps, from the last snapshot before the gap to the first after it, every OS thread's CPU
    time and time waiting for a core (``/proc/self/task/*/schedstat``), the process's page
    faults (major: a read from the disk), the cyclic-GC passes that overlapped it (start, end,
    thread), and how late the watchdog's own polls were (a poll needs the GIL too: a late poll
    means another thread held it). Linux only; a profiling aid that costs a little CPU.
    """

    def __init__(self, threshold_ms: float = 40.0, poll_s: float = 0.004,
                 snapshot_every: int = 5) -> None:
        super().__init__("bench-watchdog")
        self._threading = threading
        self.threshold_s = threshold_ms / 1000
        self._poll_s = poll_s
        self._snapshot_every = snapshot_every
        self._gui_ident = threading.get_ident()
        self._gui_tid = threading.get_native_id()
        self.last = time.perf_counter()
        self._gc: list[tuple[float, float, int, str]] = []  # start, end, generation, thread
        self._gc_started: dict[int, float] = {}
        self.gaps: list[dict[str, Any]] = []
        self._dumps = 0

    def tick(self) -> None:
        """The GUI thread is in its event loop (call from the probe timer)."""
        self.last = time.perf_counter()

    def start(self) -> GapWatchdog:
        import gc

        gc.callbacks.append(self._on_gc)
        self.last = time.perf_counter()
        return super().start()

    def stop(self) -> None:
        import gc

        super().stop()
        with suppress(ValueError):
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        ident = self._threading.get_ident()
        now = time.perf_counter()
        if phase == "start":
            self._gc_started[ident] = now
            return
        began = self._gc_started.pop(ident, None)
        if began is not None:
            self._gc.append((began, now, info["generation"],
                             self._threading.current_thread().name))

    @staticmethod
    def _tasks() -> dict[int, tuple[str, str, int, int]]:
        """tid → (name, state, CPU ns, ns waiting for a core) of every OS thread."""
        found = {}
        for task in Path("/proc/self/task").iterdir():
            try:
                stat = (task / "stat").read_text()
                run, wait, _ = (task / "schedstat").read_text().split()
            except (OSError, ValueError):
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            state = stat[stat.rindex(")") + 2]
            found[int(task.name)] = (name, state, int(run), int(wait))
        return found

    @staticmethod
    def _faults() -> tuple[int, int]:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[7]), int(fields[9])  # minflt, majflt

    def _snapshot(self) -> dict[str, Any]:
        return {"at": time.perf_counter(), "tasks": self._tasks(), "faults": self._faults()}

    def _stacks(self) -> list[str]:
        names = {t.ident: t.name for t in self._threading.enumerate()}
        me = self._threading.get_ident()
        lines = []
        for ident, top in sys._current_frames().items():
            if ident == me:
                continue
            stack: list[str] = []
            frame: Any = top
            while frame is not None and len(stack) < 7:
                code = frame.f_code
                stack.append(f"{Path(code.co_filename).stem}:{code.co_name}:{frame.f_lineno}")
                frame = frame.f_back
            who = "GUI" if ident == self._gui_ident else names.get(ident, str(ident))
            lines.append(f"{who}: " + " < ".join(stack))
        return lines

    def _native_dump(self) -> None:
        """With ``BENCH_WATCHDOG_PYSPY=PREFIX``, start ``py-spy dump --native`` of this process
        (every thread's native and Python stack, taken mid-gap) into ``PREFIX.<n>``, at most 12
        times. py-spy is not a dependency of the project: install it to use this."""
        prefix = os.environ.get("BENCH_WATCHDOG_PYSPY")
        if not prefix or self._dumps >= 12:
            return
        self._dumps += 1
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        with open(f"{prefix}.{self._dumps}", "w", encoding="utf-8") as out:
            subprocess.Popen([spy, "dump", "--native", "--pid", str(os.getpid())], stdout=out,
                             stderr=subprocess.STDOUT)

    def _kernel_wait(self) -> str:
        """The GUI thread's system call (number and first arguments) and kernel wait point."""
        task = Path(f"/proc/self/task/{self._gui_tid}")
        found = []
        for name in ("syscall", "wchan"):
            try:
                found.append(f"{name} {' '.join((task / name).read_text().split()[:3])}")
            except OSError as exc:
                found.append(f"{name} unreadable ({exc.__class__.__name__})")
        return "; ".join(found)

    def _run(self) -> None:
        before = self._snapshot()
        current: dict[str, Any] | None = None
        polls = 0
        expected = time.perf_counter() + self._poll_s
        while not self._stop.wait(self._poll_s):
            now = time.perf_counter()
            late_ms = (now - expected) * 1000
            expected = now + self._poll_s
            last = self.last
            if now - last > self.threshold_s:
                if current is None:
                    current = {"start": last, "before": before, "samples": []}
                    self._native_dump()
                states = {tid: t[1] for tid, t in self._tasks().items()}
                stacks = self._stacks()
                if states.get(self._gui_tid) == "D":  # in the kernel: which call, where
                    stacks.append(f"GUI thread in the kernel: {self._kernel_wait()}")
                current["samples"].append((now - last, late_ms, states, stacks))
                continue
            if current is not None:
                current["end"] = last
                before = current["after"] = self._snapshot()
                self.gaps.append(current)
                current = None
                continue
            polls += 1
            if polls % self._snapshot_every == 0:
                before = self._snapshot()

    def blocked_ms(self, gap: dict[str, Any]) -> float:
        """How long the GUI thread was neither running nor waiting for a core, from the
        snapshots around ``gap`` (waiting for the GIL, a lock, or the disk)."""
        before, after = gap["before"], gap["after"]
        new = after["tasks"].get(self._gui_tid)
        old = before["tasks"].get(self._gui_tid)
        if new is None or old is None:
            return 0.0
        span = (after["at"] - before["at"]) * 1e9
        return float(max(0.0, span - (new[2] - old[2]) - (new[3] - old[3])) / 1e6)

    def report(self, top: int = 6) -> list[str]:
        """A summary, then the gaps in which the GUI thread was blocked longest and the longest
        gaps (at most ``top`` each), each with what the process did in it."""
        from collections import Counter

        where = Counter(next((line.split(" < ")[0] for line in sample[3]
                              if line.startswith("GUI: ")), "GUI: no Python frame")
                        for gap in self.gaps for sample in gap["samples"]
                        if sample[2].get(self._gui_tid) == "D")
        in_disk = sum(where.values())
        blocked = sorted(self.gaps, key=self.blocked_ms, reverse=True)
        lines = [f"{len(self.gaps)} gaps over {self.threshold_s * 1000:.0f} ms; the GUI thread "
                 f"blocked (neither running nor waiting for a core) up to "
                 f"{self.blocked_ms(blocked[0]) if blocked else 0:.0f} ms, over 20 ms in "
                 f"{sum(1 for g in blocked if self.blocked_ms(g) > 20)}; seen in the kernel "
                 f"(state D) in {in_disk} samples"
                 + "".join(f"; {count} at {frame}" for frame, count in where.most_common(4))]
        longest = sorted(self.gaps, key=lambda g: g["end"] - g["start"], reverse=True)
        shown = {id(g): g for g in blocked[:top] + longest[:top]}
        for gap in sorted(shown.values(), key=lambda g: g["start"]):
            lines += self._describe(gap)
        return lines

    def _describe(self, gap: dict[str, Any]) -> list[str]:
        before, after = gap["before"], gap["after"]
        span = (after["at"] - before["at"]) * 1000
        lines = [f"gap {(gap['end'] - gap['start']) * 1000:.0f} ms at "
                 f"{gap['start']:.3f}, GUI thread blocked {self.blocked_ms(gap):.0f} ms; "
                 f"between snapshots {span:.0f} ms: page faults "
                 f"minor {after['faults'][0] - before['faults'][0]}, major "
                 f"{after['faults'][1] - before['faults'][1]}; the watchdog's polls late by "
                 f"up to {max((s[1] for s in gap['samples']), default=0):.0f} ms"]
        used = []
        for tid, (name, _, run, wait) in after["tasks"].items():
            old = before["tasks"].get(tid, (name, "", 0, 0))
            cpu, queued = (run - old[2]) / 1e6, (wait - old[3]) / 1e6
            if cpu >= 0.5 or queued >= 0.5:
                who = "GUI " if tid == self._gui_tid else ""
                used.append((cpu, f"{who}{name}[{tid}] CPU {cpu:.1f} ms, waiting for a core "
                                  f"{queued:.1f} ms"))
        lines += ["  " + text for _, text in sorted(used, reverse=True)]
        for began, ended, generation, thread in self._gc:
            if ended >= before["at"] and began <= after["at"]:
                lines.append(f"  GC gen{generation} {(ended - began) * 1000:.1f} ms on {thread}"
                             f" at +{(began - gap['start']) * 1000:.0f} ms")
        for waited, late, states, stacks in gap["samples"]:
            gui_state = states.get(self._gui_tid, "?")
            running = [f"{tid}" for tid, s in states.items() if s in "RD" and tid != self._gui_tid]
            lines.append(f"  +{waited * 1000:.0f} ms (poll late {late:.0f} ms): GUI thread "
                         f"{gui_state}; others R/D: {','.join(running) or '-'}")
            lines += ["      " + s for s in stacks if not _idle_stack(s)]
        return lines


def _idle_stack(line: str) -> bool:
    """A thread parked in a wait (its stack says nothing about the gap)."""
    inner = line.split(": ", 1)[1].split(" < ", 1)[0] if ": " in line else line
    return inner.split(":")[1:2] in (["wait"], ["_wait_for_tstate_lock"], ["select"],
                                     ["_worker"], ["accept"])


def stopped_report(watchdog: GapWatchdog | None) -> list[str]:
    """Stop ``watchdog`` (if any) and return its report (nothing without one)."""
    if watchdog is None:
        return []
    watchdog.stop()
    return watchdog.report()


def gap_watchdog() -> GapWatchdog | None:
    """A started :class:`GapWatchdog` when ``BENCH_WATCHDOG=MS`` is set (its threshold)."""
    threshold = os.environ.get("BENCH_WATCHDOG")
    if not threshold:
        return None
    return GapWatchdog(float(threshold)).start()
