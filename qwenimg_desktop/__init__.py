"""Qwen Image Desktop: a desktop client for fal's Qwen Image 2 Pro text-to-image endpoint."""

__version__ = "0.1.0"
APP_NAME = "Qwen Image Desktop"
APP_ID = "qwenimg-desktop"
ORG_NAME = "QwenImageDesktop"
ENDPOINT_ID = "fal-ai/qwen-image-2/pro/text-to-image"
