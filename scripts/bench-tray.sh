#!/usr/bin/env bash
# S11: the desktop app's weight (PSS of the app and its WebKit processes) with its window open
# and closed to the tray, and the time from "Open" to a painted window (bench/app/s11-tray.mjs
# says how each is measured). Release build, 5 accounts on a private Dovecot, under Xvfb with a
# real XEmbed tray (trayer), a private session bus with gnome-keyring, dunst for notifications.
#
#   bash scripts/bench-tray.sh          # also run by scripts/bench.sh (without --only, or --only S11)
#   S11_ACCOUNTS=1 S11_OPENS=3 bash scripts/bench-tray.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh
. scripts/lib/app.sh

ensure_apt "${APP_BUILD_PACKAGES[@]}" "${APP_RUN_PACKAGES[@]}" "${APP_TEST_PACKAGES[@]}"
ensure_rust
ensure_node
ensure_npm_deps
build_ui
build_app --release
cargo build --release --locked -p mailbell-cli
# The test server's own speed does not matter here: its debug build (the tests' one) will do.
cargo build --locked -p mailbell-e2e --bin mailbell-testserver
export MAILBELL_APP="$CARGO_TARGET_DIR/release/mailbell" MAILBELL_CLI="$CARGO_TARGET_DIR/release/mailbell-cli" \
  MAILBELL_TESTSERVER="$CARGO_TARGET_DIR/debug/mailbell-testserver"
with_xvfb with_xembed_tray with_keyring node bench/app/s11-tray.mjs
