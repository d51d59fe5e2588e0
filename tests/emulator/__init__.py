"""Tests of the fal queue emulator."""
