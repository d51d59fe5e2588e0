"""The history browser: gallery, search and filters, detail, compare, reuse, curation, drops.

Modules are imported where used (``ui.history.view.HistoryBrowser`` and so on): importing this
package loads nothing else, so the window can install the drop handler without paying for the
whole browser at start-up.
"""
