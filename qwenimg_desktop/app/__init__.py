"""Entry point: the arguments, then the headless CLI or the window, each loaded only when used.

``qwenimg-desktop generate …`` loads neither Qt nor the window. The window's process starts in
:mod:`~qwenimg_desktop.app.launch`, which paints a light shell first (Qt and the standard
library only) and then loads the window's composition root, :mod:`~qwenimg_desktop.app.runtime`,
once.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Final, NamedTuple

from qwenimg_desktop import APP_ID, APP_NAME, __version__

CLI_COMMANDS: Final = frozenset({"generate", "history", "redownload", "resume"})


class Options(NamedTuple):
    """Parsed command-line options of the GUI.

    A named tuple, not a dataclass: it is built before the start-up shell's first paint, where
    the dataclass machinery (its import and the class's generated methods) cost ~3 ms of CPU.
    """

    data_dir: str | None = None
    queue_url: str | None = None
    demo: bool = False
    temp_basedir: bool = False
    smoke_test: bool = False
    # The job engine runs in a child process, so its threads never hold the window's GIL (see
    # core/jobs/remote.py); True runs it in a thread of this process (benchmarks' A/B, debugging).
    engine_in_thread: bool = False
    # Files to open (``app/instance.py``): images as an edit's references, a prompt file; a
    # launch on a data folder whose window runs hands them to that window instead.
    images: tuple[str, ...] = ()
    prompt_file: str | None = None


def parse_args(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog=APP_ID, description=f"{APP_NAME}: draw images with fal's Qwen Image 2 Pro.",
        epilog="Subcommands generate / history / resume run headless (see `generate --help`).",
    )
    parser.add_argument("images", nargs="*", metavar="IMAGE",
                        help="image files to edit (added as an edit's references); if a window "
                             "is open on the same data dir, they are handed to it")
    parser.add_argument("--prompt-file", metavar="F",
                        help="load the UTF-8 text/markdown file F into the prompt editor")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="use the built-in local emulator: placeholder images, nothing charged")
    parser.add_argument("--data-dir", metavar="D", help="keep history, settings and logs under D")
    parser.add_argument("--queue-url", metavar="U", help="fal queue base URL (testing)")
    parser.add_argument("--temp-basedir", action="store_true",
                        help="use a fresh temporary data dir, deleted on exit")
    parser.add_argument("--smoke-test", action="store_true",
                        help="open the window on the built-in emulator in a temporary data dir, "
                             "run one job, check the services, print SMOKE OK and quit")
    ns = parser.parse_args(list(argv))
    return Options(data_dir=ns.data_dir, queue_url=ns.queue_url, demo=ns.demo,
                   temp_basedir=ns.temp_basedir, smoke_test=ns.smoke_test,
                   images=tuple(ns.images), prompt_file=ns.prompt_file)


def smoke_options(options: Options) -> Options:
    """``--smoke-test``: offscreen by default, demo (emulator), a temporary data dir."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    temp = options.temp_basedir or options.data_dir is None
    return options._replace(demo=True, temp_basedir=temp, smoke_test=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``qwenimg-desktop`` and ``python main.py``; returns the exit code."""
    _no_pydantic_plugins()
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in CLI_COMMANDS:
        from qwenimg_desktop import cli  # noqa: PLC0415 - the CLI path never loads Qt

        return cli.main(args)
    options = parse_args(args)
    if options.smoke_test:
        options = smoke_options(options)
    from qwenimg_desktop.app import launch  # noqa: PLC0415 - Qt loads only for the window

    return launch.run(options)


def _no_pydantic_plugins() -> None:
    """Before pydantic loads (here, for the window, the CLI and the engine's process, which
    inherits the environment): the app uses no pydantic plugin, but on its first model pydantic
    reads every installed package's entry points and imports any package that declares one,
    inside the app (a broken one stops it at start-up). ~3.5 ms of the window's start-up on a
    development install; the plugin loader itself, and its ``importlib.metadata``, still load."""
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
