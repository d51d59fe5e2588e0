"""Launcher for Qwen Image Desktop (also the PyInstaller entry script)."""

import sys

if __name__ == "__main__":
    if getattr(sys, "frozen", False):
        # The job engine runs in a spawned child process; in the frozen app that child is this
        # executable again, and freeze_support() turns it into the engine before anything loads.
        # (Not frozen, the child is a plain interpreter: no need to pay for the import here.)
        import multiprocessing

        multiprocessing.freeze_support()
    from qwenimg_desktop.app import main

    sys.exit(main())
