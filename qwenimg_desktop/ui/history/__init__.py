"""The history browser: gallery, search and filters, detail, compare, reuse, curation, drops."""

from qwenimg_desktop.ui.history.compare import CompareView
from qwenimg_desktop.ui.history.detail import DetailPane
from qwenimg_desktop.ui.history.drop import MetadataDropHandler
from qwenimg_desktop.ui.history.model import HistoryModel, Role
from qwenimg_desktop.ui.history.reuse import ReuseMode, merge_into_draft, request_for
from qwenimg_desktop.ui.history.view import HistoryBrowser

__all__ = [
    "CompareView", "DetailPane", "HistoryBrowser", "HistoryModel", "MetadataDropHandler",
    "ReuseMode", "Role", "merge_into_draft", "request_for",
]
