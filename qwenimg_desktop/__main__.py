"""`python -m qwenimg_desktop`: the same as the `qwenimg-desktop` command."""

import sys

from qwenimg_desktop.app import main

sys.exit(main())
