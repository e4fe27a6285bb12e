#!/usr/bin/env bash
# Builds the release binary once and bundles it as a .deb and an .rpm (target/release/bundle/).
# Extra arguments go to `tauri build` (e.g. --bundles deb).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_rust
install_packages $BUILD_PACKAGES $PACKAGE_PACKAGES
install_tauri_cli
cd "$ROOT"
say "building the release binary and bundling it"
# --ci: no prompts; the bundles and their settings come from tauri.conf.json and
# tauri.linux.conf.json.
"$TAURI" build --ci "$@"
out="${CARGO_TARGET_DIR:-$ROOT/target}/release"
for pkg in "$out"/bundle/deb/*.deb "$out"/bundle/rpm/*.rpm; do
  [ -e "$pkg" ] && say "$(du -h "$pkg" | cut -f1)  $pkg"
done
say "binary: $(du -h "$out/glama-chat" | cut -f1)  $out/glama-chat"
