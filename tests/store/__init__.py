"""Tests of the history store, file layout and thumbnails (real SQLite files, real files)."""
