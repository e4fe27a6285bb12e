#!/usr/bin/env bash
# Installs what the tests need and runs them all: the page's type check, unit and integration
# tests (with a real keyring on a private session bus), the end-to-end tests in a real window
# under Xvfb, and the installed-app test, which installs the .deb that this script builds first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_rust
install_packages $BUILD_PACKAGES $RUN_PACKAGES $TEST_PACKAGES $PACKAGE_PACKAGES
install_tauri_driver
cd "$ROOT"

# The page's types first: a JSDoc type error fails the run before minutes of building.
say "type-checking the page (ui/)"
install_typescript
"$TSC" -p ui/jsconfig.json
# axe-core, which the accessibility tests run inside the real window.
install_npm_package axe-core "$AXE_CORE_VERSION"

# The release build happens once, here: package.sh bundles it as .deb and .rpm, and the
# installed-app test (crates/e2e/tests/installed.rs) installs that .deb.
bash scripts/package.sh

# The MCP servers the integration tests talk to (crates/core/tests/mcp_*.rs).
install_mcp_test_servers

say "building"
# The benchmarks too (in the dev profile): they never run here, but they must keep compiling.
cargo build --workspace --bins --tests --benches

# One `cargo test` over the whole workspace, so dependencies are built once with one feature
# set. The session bus and unlocked gnome-keyring are for the vault and connector tests; each
# end-to-end test starts its own bus, keyring, folders and fake gateway, and they share the
# Xvfb display, one test at a time.
say "all tests: unit, integration (real keyring), end to end (real window under Xvfb), the installed .deb"
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  dbus-run-session -- bash "$ROOT/scripts/with-keyring.sh" \
  cargo test --workspace -- --test-threads=1
say "all tests passed"
