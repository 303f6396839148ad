#!/usr/bin/env bash
# Builds and starts Mailbell: the desktop app (window, tray icon, notifications) where there is
# a display. Without one it says so and runs the headless notifier, `mailbell-cli watch`.
# Arguments go to mailbell-cli (e.g. `scripts/run.sh account add ...`, `scripts/run.sh status`).
# Installs the Debian and npm packages it needs first (idempotently).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh
. scripts/lib/app.sh

cli="$CARGO_TARGET_DIR/release/mailbell-cli"
build_cli() {
  ensure_apt "${ENGINE_PACKAGES[@]}"
  ensure_rust
  cargo build --release --locked -p mailbell-cli
}

has_accounts() { "$cli" account list --json | grep '"id"' >/dev/null; }

no_account_help() {
  cat <<MSG
No account yet. Add one (the password goes to the OS keyring, never to disk):
  printf %s "\$PASSWORD" | scripts/run.sh account add --email you@example.org --host imap.example.org --password-stdin
MSG
}

if [ "$#" -gt 0 ]; then
  build_cli
  exec "$cli" "$@"
fi

if ! has_display; then
  build_cli
  echo "No display here (neither DISPLAY nor WAYLAND_DISPLAY reaches one): the desktop app needs one." >&2
  echo "Mailbell runs headless instead: $cli watch (Ctrl-C stops it)." >&2
  if ! has_accounts; then
    no_account_help
    echo "then run scripts/run.sh again."
    exit 0
  fi
  exec "$cli" watch
fi

ensure_apt "${ENGINE_PACKAGES[@]}" "${APP_BUILD_PACKAGES[@]}" "${APP_RUN_PACKAGES[@]}"
ensure_rust
ensure_node
ensure_npm_deps
build_ui
cargo build --release --locked -p mailbell-cli
build_app --release
app="$CARGO_TARGET_DIR/release/mailbell"
echo "Mailbell is built: $app (the command line: $cli)" >&2
has_accounts || { no_account_help; echo "Mailbell picks new accounts up while it runs."; }
exec "$app"
