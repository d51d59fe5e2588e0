#!/usr/bin/env bash
# Idempotent setup for running and testing: Debian packages (as root or via sudo) and .venv.
#
# Environment: PYTHON (default python3, must be 3.11-3.13), SKIP_APT=1 to never touch apt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.setup-stamp"

# Qt offscreen (GL, xkb, glib, fonts, dbus), Qt on X/Xvfb (xcb), a CJK font, a real keyring for
# tests (dbus-daemon, gnome-keyring), objdump for PyInstaller, and Python with venv.
APT_PACKAGES=(
  python3 python3-venv ca-certificates
  libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfreetype6 libfontconfig1 libdbus-1-3
  fonts-wqy-microhei
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xkb1
  libxkbcommon-x11-0 libxcb-render-util0 libxcb-image0
  dbus-daemon gnome-keyring
  binutils
)

now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
say() { printf '[setup] %s\n' "$*"; }

missing_packages() {
  local pkg
  for pkg in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != "installed" ]; then
      printf '%s\n' "$pkg"
    fi
  done
}

ensure_packages() {
  [ "${SKIP_APT:-0}" = 1 ] && return 0
  command -v dpkg-query >/dev/null && command -v apt-get >/dev/null || {
    say "not a Debian-like system: install the equivalents of: $*"
    return 0
  }
  local missing
  mapfile -t missing < <(missing_packages "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      say "WARNING: missing Debian packages (run as root to install): ${missing[*]}"
      say "  sudo apt-get install --no-install-recommends ${missing[*]}"
      return 0
    fi
  fi
  local start
  start=$(now)
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq </dev/null
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
  say "apt: $(took "$start")"
}

check_python() {
  command -v "$PYTHON" >/dev/null || { say "ERROR: $PYTHON not found"; exit 1; }
  "$PYTHON" - <<'PY' || { say "ERROR: Python 3.11-3.13 needed (set PYTHON=...)"; exit 1; }
import sys
sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else 1)
PY
}

# A distribution Python keeps libpython in its own package; PyInstaller needs it.
ensure_libpython() {
  local real
  real=$(readlink -f "$(command -v "$PYTHON")")
  case "$real" in
    /usr/bin/*) ensure_packages "libpython$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" ;;
  esac
}

ensure_venv() {
  local start wanted
  start=$(now)
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV with $("$PYTHON" --version)"
    "$PYTHON" -m venv "$VENV"
  fi
  wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
    return 0
  fi
  say "pip install -e '.[dev]'"
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
    "$VENV/bin/python" -m pip install -q --progress-bar off -e '.[dev]' </dev/null
  printf '%s\n' "$wanted" >"$STAMP"
  say "venv: $(took "$start")"
}

ensure_packages "${APT_PACKAGES[@]}"
check_python
ensure_libpython
ensure_venv
"$VENV/bin/python" packaging/translations.py | sed "s/^/[setup] /"
