#!/usr/bin/env bash
# Set up (first run only does real work), then start Qwen Image Desktop with the given arguments.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup.sh
exec .venv/bin/python main.py "$@"
