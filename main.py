"""Launcher for Qwen Image Desktop (also the PyInstaller entry script)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # The job engine runs in a spawned child process; in the frozen app that child is this
    # executable again, and freeze_support() turns it into the engine before anything loads.
    multiprocessing.freeze_support()
    from qwenimg_desktop.app import main

    sys.exit(main())
