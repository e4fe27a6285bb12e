#!/usr/bin/env bash
# Installs what the tests need and runs them all: unit and integration tests (with a real
# keyring on a private session bus), then the end-to-end tests in a real window under Xvfb.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_rust
install_packages $BUILD_PACKAGES $RUN_PACKAGES $TEST_PACKAGES
install_tauri_driver
cd "$ROOT"

say "building"
cargo build --workspace --bins --tests

say "unit and integration tests (gnome-keyring on a private session bus)"
dbus-run-session -- bash "$ROOT/scripts/with-keyring.sh" \
  cargo test --workspace --exclude e2e

say "end-to-end tests (the app in a real window, one at a time)"
# Each test starts its own session bus, keyring, folders and fake gateway; they share the display.
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  cargo test -p e2e -- --test-threads=1
say "all tests passed"
