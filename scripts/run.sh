#!/usr/bin/env bash
# Installs what is missing, builds, and launches Glama Chat.
# Extra arguments go to the app. GLAMA_GATEWAY_URL points it at another gateway.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_rust
install_packages $BUILD_PACKAGES $RUN_PACKAGES
cd "$ROOT"
say "building"
cargo build -p glama-chat
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: run this from a desktop session (or try: xvfb-run scripts/run.sh)." >&2
  exit 1
fi
APP="${CARGO_TARGET_DIR:-$ROOT/target}/debug/glama-chat"
say "launching $APP"
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ ! -S "${XDG_RUNTIME_DIR:-/nonexistent}/bus" ]; then
  exec dbus-run-session -- "$APP" "$@"   # single-instance and the keyring need a session bus
fi
exec "$APP" "$@"
