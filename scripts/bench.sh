#!/usr/bin/env bash
# Benchmarks: figures against budgets, measured on this machine from a release build, printed
# as one table. Not tests: they never fail, and never run in CI; a miss is a bug to fix or to
# explain in BENCHMARKS.md.
#
# Convention: every bench program prints one row per figure on stdout,
#   BENCH<TAB>figure<TAB>measured<TAB>budget<TAB>pass|miss
# and this script collects the rows. Every bench of glama-core runs (render, sse, saves, store,
# stream, attach, tool_round).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_rust
install_packages $BUILD_PACKAGES $RUN_PACKAGES $TEST_PACKAGES curl
install_tauri_driver
cd "$ROOT"
# The MCP servers the tool-round and start-up rows run.
install_mcp_test_servers

rows="$(mktemp)"
trap 'rm -f "$rows"' EXIT

# What people install: the binary the Tauri CLI builds (with its `custom-protocol` feature),
# and its .deb. The blank window is built the same way, for the app figures to compare with.
bash scripts/package.sh --bundles deb
say "building the blank window and the test browser (release)"
cargo build --release -p blank-window --features tauri/custom-protocol
cargo build --release -p e2e --bins

say "glama-core benches (release)"
# The archive rows (store.rs) write about 10 GB in target/tmp and delete it after: with less
# than 15 GB free they measure 512 MB of attachments instead of 2 GB (the row says which).
if [ "$(df --output=avail -k "$ROOT/target" | tail -n 1)" -lt $((15 * 1024 * 1024)) ]; then
  export GLAMA_BENCH_ARCHIVE_MB=512
  say "less than 15 GB free: the archive rows measure 512 MB of attachments"
fi
cargo bench -p glama-core --bench '*' | tee "$rows"

say "app benches in the real window (release build, Xvfb)"
GLAMA_CHAT_BIN="$ROOT/target/release/glama-chat" BLANK_WINDOW_BIN="$ROOT/target/release/blank-window" \
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
size_row "size, .deb" "$(ls -t target/release/bundle/deb/*.deb | head -n 1)" 8

say "results"
# Columns padded by characters, not bytes (µ, ≤ and CJK names are several bytes).
grep -a $'^BENCH\t' "$rows" | cut -f 2- | LC_ALL=C awk -F '\t' '
  function width(s,  t) { t = s; gsub(/[\200-\277]/, "", t); return length(t) }
  function pad(s, n,  out) { out = s; while (width(out) < n) out = out " "; return out }
  function row(a,  line, i) { line = ""; for (i = 1; i <= 4; i++) line = line (i > 1 ? " | " : "") pad(a[i], w[i]); print line }
  { for (i = 1; i <= 4; i++) { cell[NR, i] = $i; if (width($i) > w[i]) w[i] = width($i) } rows = NR }
  END {
    split("figure|measured|budget|pass/miss", h, "|")
    for (i = 1; i <= 4; i++) if (width(h[i]) > w[i]) w[i] = width(h[i])
    row(h)
    for (i = 1; i <= 4; i++) { d[i] = ""; while (length(d[i]) < w[i]) d[i] = d[i] "-" }
    row(d)
    for (r = 1; r <= rows; r++) { for (i = 1; i <= 4; i++) c[i] = cell[r, i]; row(c) }
  }'
