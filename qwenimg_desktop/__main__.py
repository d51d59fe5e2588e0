"""`python -m qwenimg_desktop`: the same as the `qwenimg-desktop` command."""

import sys

if __name__ == "__main__":
    from qwenimg_desktop.app import main

    sys.exit(main())
