"""Launcher for Qwen Image Desktop (also the PyInstaller entry script)."""

import sys

from qwenimg_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
