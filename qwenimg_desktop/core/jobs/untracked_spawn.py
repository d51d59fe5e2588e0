"""A ``spawn`` child process that does not start multiprocessing's resource tracker.

On POSIX, ``multiprocessing``'s ``spawn`` start method launches a second helper process, the
resource tracker, before the first child it spawns, whatever the child is for: the tracker
removes named semaphores and shared-memory blocks that a crashed process leaves behind. The
app uses neither (its one child, the job engine, talks to the window over a pipe, a socket
pair), so the tracker was a whole idle interpreter kept for the session: ~13 MB of resident
memory beside the window and the engine (in the frozen app, a third copy of the executable).

:class:`UntrackedSpawnProcess` is ``spawn``'s own process class with one change on POSIX: its
launch passes no tracker to the child. Everything else is the standard library's ``spawn``: the
same command line (``--multiprocessing-fork`` in the frozen app, which ``freeze_support()``
reads; ``tracker_fd`` is simply absent and defaults to None there), the same pickled preparation
data and process object over the same pipe. If anything in the child ever did create a named
semaphore or shared memory, ``multiprocessing`` would start a tracker for it then, in the
child, as it does for any process that has none. Windows has no tracker: the standard process
is used unchanged.
"""

from __future__ import annotations

import functools
import io
import os
import sys
from multiprocessing import context
from typing import Any


@functools.cache
def _posix_popen() -> type[Any]:
    """The standard library's POSIX ``spawn`` launcher without the tracker (built on first use:
    its module is POSIX-only)."""
    from multiprocessing import popen_spawn_posix, reduction, spawn  # noqa: PLC0415
    from multiprocessing import util as typed_util  # noqa: PLC0415

    util: Any = typed_util  # its stubs lack close_fds and take the executable as bytes

    class UntrackedPopen(popen_spawn_posix.Popen):
        """``popen_spawn_posix.Popen._launch`` (CPython 3.11–3.13) less
        ``resource_tracker.getfd()`` and the ``tracker_fd`` argument; line for line otherwise."""

        _fds: list[int]  # set by popen_spawn_posix.Popen.__init__

        def _launch(self, process_obj: Any) -> None:
            prep_data = spawn.get_preparation_data(process_obj._name)
            fp = io.BytesIO()
            context.set_spawning_popen(self)
            try:
                reduction.dump(prep_data, fp)
                reduction.dump(process_obj, fp)
            finally:
                context.set_spawning_popen(None)

            parent_r = child_w = child_r = parent_w = None
            try:
                parent_r, child_w = os.pipe()
                child_r, parent_w = os.pipe()
                cmd = spawn.get_command_line(pipe_handle=child_r)
                self._fds.extend([child_r, child_w])
                self.pid = util.spawnv_passfds(spawn.get_executable(), cmd, self._fds)
                self.sentinel = parent_r
                with open(parent_w, "wb", closefd=False) as f:
                    f.write(fp.getbuffer())
            finally:
                fds_to_close = [fd for fd in (parent_r, parent_w) if fd is not None]
                self.finalizer = util.Finalize(self, util.close_fds, fds_to_close)
                for fd in (child_r, child_w):
                    if fd is not None:
                        os.close(fd)

    return UntrackedPopen


class UntrackedSpawnProcess(context.SpawnProcess):
    """``multiprocessing.get_context("spawn").Process`` without the resource tracker (POSIX)."""

    @staticmethod
    def _Popen(process_obj: Any) -> Any:  # the name multiprocessing calls
        if sys.platform == "win32":
            return context.SpawnProcess._Popen(process_obj)
        return _posix_popen()(process_obj)
