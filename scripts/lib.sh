# Shared by the scripts: install what is missing, never what is there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# What building needs (WebKitGTK pulls GTK 3, libsoup 3 and libdbus for the keyring).
BUILD_PACKAGES="build-essential pkg-config libwebkit2gtk-4.1-dev"
# What running needs: scheme registration and opening the browser (xdg-utils, desktop-file-utils),
# and a session bus (single-instance needs one).
RUN_PACKAGES="xdg-utils desktop-file-utils dbus dbus-bin"
# What testing needs: a virtual display, the WebDriver for WebKitGTK, a real keyring, secret-tool,
# xdotool (presses keys anywhere on the display, as a global shortcut hears them).
TEST_PACKAGES="xvfb xauth webkit2gtk-driver gnome-keyring libsecret-tools dbus-daemon libglib2.0-bin xdotool"
# What packaging needs beyond building: the Tauri CLI (on Node.js) writes the .deb and the .rpm
# itself (no rpmbuild); `rpm` lists what the .rpm holds.
PACKAGE_PACKAGES="rpm"

TAURI_DRIVER_VERSION="2.1.0"
# The Tauri CLI from npm: a prebuilt binary, seconds to install (`cargo install tauri-cli` takes
# about 10 minutes here). Same minor as the tauri crate.
TAURI_CLI_VERSION="2.12.5"
# TypeScript from npm, only to check the page's JSDoc types (the page itself is plain JavaScript,
# served as it is). The last compiler written in JavaScript: 7 is a native rewrite.
TYPESCRIPT_VERSION="6.0.3"
# The MCP servers the tests run: the project's own on the official Python SDK (PyPI), and a
# third party's from npm.
MCP_PYTHON_VERSION="2.3.0"
MCP_EVERYTHING_VERSION="2026.8.31"
# axe-core from npm: the accessibility checks the end-to-end tests run inside the real window
# (crates/e2e/src/audit.rs reads .tools/node_modules/axe-core/axe.min.js).
AXE_CORE_VERSION="4.14.1"
# Lucide's icons as SVG files, only to write the page's sprite (scripts/ui-icons.sh); the page
# ships the sprite, never the package.
LUCIDE_VERSION="1.62.0"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# install_packages PKG...: apt-get install only the ones not installed yet.
install_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

need_rust() {
  if ! command -v cargo >/dev/null; then
    echo "Rust is needed: install it from https://rustup.rs, then run this again." >&2
    exit 1
  fi
}

install_tauri_driver() {
  # tauri-driver has no --version; cargo's own list says what it installed.
  if ! command -v tauri-driver >/dev/null || ! cargo install --list | grep -q "^tauri-driver v$TAURI_DRIVER_VERSION:"; then
    say "installing tauri-driver $TAURI_DRIVER_VERSION"
    cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION" --quiet
  fi
}

# install_tauri_cli: puts the pinned Tauri CLI in .tools/ (Node.js from Debian when missing) and
# sets TAURI to it.
install_tauri_cli() {
  command -v npm >/dev/null || install_packages nodejs npm
  local dir="$ROOT/.tools"
  TAURI="$dir/node_modules/.bin/tauri"
  if [ "$("$TAURI" --version 2>/dev/null)" != "tauri-cli $TAURI_CLI_VERSION" ]; then
    say "installing the Tauri CLI $TAURI_CLI_VERSION (npm)"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "@tauri-apps/cli@$TAURI_CLI_VERSION" >/dev/null
  fi
}

# install_typescript: puts the pinned TypeScript compiler in .tools/ (Node.js from Debian when
# missing) and sets TSC to it.
install_typescript() {
  command -v npm >/dev/null || install_packages nodejs npm
  local dir="$ROOT/.tools"
  TSC="$dir/node_modules/.bin/tsc"
  if [ "$("$TSC" --version 2>/dev/null)" != "Version $TYPESCRIPT_VERSION" ]; then
    say "installing TypeScript $TYPESCRIPT_VERSION (npm)"
    mkdir -p "$dir"
    npm install --prefix "$dir" --save-exact --no-audit --no-fund --loglevel=error "typescript@$TYPESCRIPT_VERSION" >/dev/null
  fi
}

# install_npm_package NAME VERSION: puts a pinned npm package (files, not a tool) in
# .tools/node_modules/NAME (Node.js from Debian when missing).
install_npm_package() {
  command -v npm >/dev/null || install_packages nodejs npm
  local dir="$ROOT/.tools" name="$1" version="$2"
  local manifest="$dir/node_modules/$name/package.json"
  if ! grep -q "\"version\": \"$version\"" "$manifest" 2>/dev/null; then
    say "installing $name $version (npm)"
    mkdir -p "$dir"
    npm install --prefix "$dir" --save-exact --no-audit --no-fund --loglevel=error "$name@$version" >/dev/null
  fi
}

# install_mcp_test_servers: puts the pinned MCP Python SDK in a venv at .tools/python (for
# crates/core/tests/mcp_servers/test_server.py) and @modelcontextprotocol/server-everything in
# .tools/ (python3-venv and Node.js from Debian when missing).
install_mcp_test_servers() {
  python3 -c 'import ensurepip, venv' 2>/dev/null || install_packages python3-venv
  local venv="$ROOT/.tools/python"
  if [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("mcp"))' 2>/dev/null)" != "$MCP_PYTHON_VERSION" ]; then
    say "installing the MCP Python SDK $MCP_PYTHON_VERSION (PyPI)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "mcp==$MCP_PYTHON_VERSION"
  fi
  install_npm_package @modelcontextprotocol/server-everything "$MCP_EVERYTHING_VERSION"
}
