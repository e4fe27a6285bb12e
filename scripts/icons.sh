#!/usr/bin/env bash
# Renders icons/icon.svg to every icon the bundles need (PNGs for Linux, .ico for Windows, .icns
# for macOS). The results are committed, so building never needs a rasterizer: run this only
# after changing the SVG.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
install_packages librsvg2-bin
install_tauri_cli
cd "$ROOT"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
rsvg-convert --width 1024 --height 1024 icons/icon.svg --output "$tmp/icon-1024.png"
"$TAURI" icon "$tmp/icon-1024.png" --output "$tmp/out" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
# What tauri.conf.json's bundle.icon lists; the CLI's Windows Store and mobile icons are not used.
for f in 32x32.png 128x128.png 128x128@2x.png icon.png icon.ico icon.icns; do
  cp "$tmp/out/$f" "icons/$f"
done
say "icons rendered: $(cd icons && echo *)"
