#!/usr/bin/env bash
# Benchmarks: numbers, not pass/fail. Release build.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_rust
install_packages $BUILD_PACKAGES
cd "$ROOT"
cargo bench -p glama-core --bench render
