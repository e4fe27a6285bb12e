#!/usr/bin/env bash
# The README's screenshots, light and dark, from the real app against the fake gateway
# (crates/e2e/examples/screenshots.rs drives it through tauri-driver under Xvfb, as the end-to-end
# tests do). Writes docs/screenshots/*.png; run it again after changing how the window looks.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_rust
install_packages $BUILD_PACKAGES $RUN_PACKAGES $TEST_PACKAGES
install_tauri_driver
cd "$ROOT"
cargo build -p glama-chat -p e2e --bins --examples
xvfb-run -a -s "-screen 0 1920x1200x24 -nolisten tcp" \
  cargo run -q -p e2e --example screenshots -- "$ROOT/docs/screenshots"
say "screenshots in docs/screenshots/"
