"""UiServices: everything the main window needs from the composition root, passed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qwenimg_desktop.core.jobs.facade import EngineFacade
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.secrets import KeyStore
from qwenimg_desktop.core.settings import AppSettings
from qwenimg_desktop.ui.bridge import EngineBridge
from qwenimg_desktop.ui.workers import Workers

if TYPE_CHECKING:
    from qwenimg_desktop.core.balance import Balance
    from qwenimg_desktop.core.pricing import CachedPrice
    from qwenimg_desktop.core.store.history import HistoryStore


@dataclass
class UiServices:
    """Services built by the composition root (``app.runtime``), handed to :class:`MainWindow`."""

    settings: AppSettings
    settings_path: Path
    draft_path: Path
    key_store: KeyStore
    workers: Workers
    bridge: EngineBridge
    engine: EngineFacade
    queue_base: str
    check_key: Callable[[str, str], str | None]
    lookup_request: Callable[[str], GenerationRequest | None]
    demo: bool = False
    switch_to_demo: Callable[[], None] | None = None
    leave_demo: Callable[[], None] | None = None  # only in demo mode: back to fal, no restart
    save_settings: Callable[[], None] | None = None
    # The window's own connection to the journal: None until the engine's EngineReady, after
    # which the composition root opens it on the GUI thread.
    history_store: Callable[[], HistoryStore | None] | None = None
    # (queue base, key) -> fal's prices now (blocking; core.fal.platform.prices_with_key).
    read_prices: Callable[[str, str], list[CachedPrice]] | None = None
    # The optional admin-scoped billing key (None in demo mode) and (queue base, key) ->
    # the balance (blocking; core.balance.read_balance).
    billing_keys: KeyStore | None = None
    read_balance: Callable[[str, str], Balance] | None = None
    # Sentences about files found bad at start-up (e.g. settings moved aside): shown once.
    notices: tuple[str, ...] = ()
