"""Qwen Image Desktop: a desktop client for fal's Qwen Image 2 endpoints (generate and edit)."""

__version__ = "0.1.0"
APP_NAME = "Qwen Image Desktop"
APP_ID = "qwenimg-desktop"
ORG_NAME = "QwenImageDesktop"
