"""Tests of the installers: spec helpers, build script, smoke test, and the frozen Linux bundle."""
