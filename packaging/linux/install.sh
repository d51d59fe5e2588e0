#!/bin/sh
# Install Qwen Image Desktop for the current user, no root needed: the bundle goes to
# $PREFIX/opt/qwenimg-desktop, a launcher link to $PREFIX/bin, the menu entry and the icon to
# $PREFIX/share. PREFIX defaults to ~/.local. Run it from the unpacked tarball.
# Uninstall: ./install.sh --uninstall
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-$HOME/.local}
app=qwenimg-desktop
dest="$prefix/opt/$app"
desktop="$prefix/share/applications/$app.desktop"
icon_png="$prefix/share/icons/hicolor/256x256/apps/$app.png"
icon_svg="$prefix/share/icons/hicolor/scalable/apps/$app.svg"

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$dest"
  rm -f "$prefix/bin/$app" "$desktop" "$icon_png" "$icon_svg"
  echo "removed $app from $prefix (your history and settings are kept)"
  exit 0
fi

[ -x "$here/$app" ] || { echo "run install.sh from the unpacked $app folder" >&2; exit 1; }
mkdir -p "$prefix/opt" "$prefix/bin" "$(dirname "$desktop")" "$(dirname "$icon_png")" \
  "$(dirname "$icon_svg")"
rm -rf "$dest.new"
cp -R "$here" "$dest.new"
rm -rf "$dest"
mv "$dest.new" "$dest"
ln -sf "$dest/$app" "$prefix/bin/$app"
sed "s|^Exec=.*|Exec=\"$dest/$app\"|" "$here/$app.desktop" >"$desktop"
cp "$here/$app.png" "$icon_png"
cp "$here/$app.svg" "$icon_svg"
command -v update-desktop-database >/dev/null 2>&1 \
  && update-desktop-database -q "$(dirname "$desktop")" || true
echo "installed $app in $dest; start it from the menu or with: $prefix/bin/$app"
