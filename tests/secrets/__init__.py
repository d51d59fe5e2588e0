"""Tests of the API key store and key-safe logging."""
