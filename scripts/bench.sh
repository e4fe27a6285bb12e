#!/usr/bin/env bash
# Benchmarks: figures against budgets, measured on this machine from a release build, printed
# as one table. Not tests: they never fail, and never run in CI; a miss is a bug to fix or to
# explain in BENCHMARKS.md.
#
# Convention: every bench program prints one row per figure on stdout,
#   BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss
# and this script collects the rows. Every bench of glama-core runs (render, store, …).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_rust
install_packages $BUILD_PACKAGES $RUN_PACKAGES $TEST_PACKAGES
install_tauri_driver
cd "$ROOT"

rows="$(mktemp)"
trap 'rm -f "$rows"' EXIT

say "building the app and the test browser (release)"
cargo build --release -p glama-chat -p e2e --bins

say "glama-core benches (release)"
cargo bench -p glama-core --bench '*' | tee "$rows"

say "app benches in the real window (release build, Xvfb)"
GLAMA_CHAT_BIN="$ROOT/target/release/glama-chat" \
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  cargo bench -p e2e --bench app | tee -a "$rows"

# size_row FIGURE FILE BUDGET_MB
size_row() {
  local bytes
  bytes=$(stat -c %s "$2")
  awk -v f="$1" -v b="$bytes" -v budget="$3" 'BEGIN {
    mb = b / 1e6
    printf "BENCH\t%s\t%.1f MB\t≤ %d MB\t%s\n", f, mb, budget, (mb <= budget ? "pass" : "miss")
  }' | tee -a "$rows"
}
size_row "size, release binary" target/release/glama-chat 15
# The .deb only when one was built (cargo tauri build --bundles deb; see README, Packaging).
deb="$(ls -t target/release/bundle/deb/*.deb 2>/dev/null | head -n 1 || true)"
if [ -n "$deb" ]; then size_row "size, .deb" "$deb" 8; fi

say "results"
grep -a $'^BENCH\t' "$rows" | cut -f 2- | awk -F '\t' '
  { for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } rows = NR }
  END {
    split("figure|measured|budget|pass/miss", h, "|")
    for (i = 1; i <= 4; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
    line = ""
    for (i = 1; i <= 4; i++) line = line sprintf("%s%-*s", (i > 1 ? " | " : ""), w[i], h[i])
    print line
    line = ""
    for (i = 1; i <= 4; i++) { dash = sprintf("%*s", w[i], ""); gsub(/ /, "-", dash); line = line (i > 1 ? "-|-" : "") dash }
    print line
    for (r = 1; r <= rows; r++) {
      line = ""
      for (i = 1; i <= 4; i++) line = line sprintf("%s%-*s", (i > 1 ? " | " : ""), w[i], cell[r, i])
      print line
    }
  }'
