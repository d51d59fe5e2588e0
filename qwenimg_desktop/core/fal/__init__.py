"""fal's queue: its wire models, client, uploads, limits, retries and failures.

The queue's default address is here rather than with the wire models (``protocol``): the
window's settings and the engine's configuration name it at start-up, while the models (and
their pydantic classes) are needed only where fal's answers are read, in the engine's process.
"""

from typing import Final

DEFAULT_QUEUE_BASE: Final = "https://queue.fal.run"
