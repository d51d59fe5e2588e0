#!/usr/bin/env bash
# Set up, then run every check: ruff, mypy, import-linter, dead code (vulture), pytest (extra
# arguments go to pytest).
# pytest runs offscreen; the keyring tests start their own private D-Bus and gnome-keyring.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

total=$(now)
start=$(now)
./scripts/setup.sh
echo "[test] setup: $(took "$start")"

export QT_QPA_PLATFORM=offscreen
failed=()

phase() {
  local name=$1 start rc
  shift
  echo "[test] === $name: $*"
  start=$(now)
  if "$@"; then rc=0; else rc=$?; fi
  if [ "$name" = pytest ] && [ "$rc" -eq 5 ]; then
    echo "[test] pytest collected no tests: that is a failure"
  fi
  echo "[test] $name: exit $rc, $(took "$start")"
  [ "$rc" -eq 0 ] || failed+=("$name")
}

phase ruff .venv/bin/ruff check .
phase mypy .venv/bin/mypy
phase import-linter .venv/bin/lint-imports
phase dead-code .venv/bin/vulture  # paths and allow-list: [tool.vulture] in pyproject.toml
phase pytest .venv/bin/python -m pytest "$@"

echo "[test] total: $(took "$total")"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "[test] FAILED: ${failed[*]}"
  exit 1
fi
echo "[test] all checks passed"
