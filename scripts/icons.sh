#!/usr/bin/env bash
# Renders the app icon's Linux sizes (freedesktop hicolor: 16, 24, 48 and 256 px) from
# icons/src/app.svg into icons/NxN.png with the Tauri CLI's renderer, the one that made the
# rest of the set: 32x32, 64x64, 128x128, 128x128@2x (256), icon.png (512), icon.ico and
# icon.icns come from `npx tauri icon icons/src/app.svg -o icons` (delete the Windows Store,
# Android and iOS files it adds). The tray icons (icons/tray*.png) are compiled into the app.
# Run it after changing app.svg; the PNGs are committed, so building needs neither.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh
. scripts/lib/app.sh
ensure_node
ensure_npm_deps
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx --no-install tauri icon icons/src/app.svg -o "$out" -p 16 -p 24 -p 48 -p 256 >/dev/null 2>&1 \
  || die "tauri icon failed (npx tauri icon icons/src/app.svg -o DIR -p 16 shows why)"
for size in 16 24 48 256; do
  cp "$out/${size}x${size}.png" "icons/${size}x${size}.png"
done
echo "icons/{16x16,24x24,48x48,256x256}.png rendered from icons/src/app.svg" >&2
