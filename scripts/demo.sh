#!/usr/bin/env bash
# The whole flow offline: a local Glama stand-in, and the app pointed at it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_rust
install_packages $BUILD_PACKAGES $RUN_PACKAGES
cd "$ROOT"
cargo build -p fake-gateway -p glama-chat
PORT="${PORT:-8787}"
"${CARGO_TARGET_DIR:-$ROOT/target}/debug/fake-gateway" --port "$PORT" &
GATEWAY_PID=$!
trap 'kill $GATEWAY_PID 2>/dev/null' EXIT
GLAMA_GATEWAY_URL="http://127.0.0.1:$PORT" "$ROOT/scripts/run.sh" "$@"
