#!/usr/bin/env bash
# Runs the WebDriver tests of the real app (tests-app/e2e) under Xvfb, in a private session bus
# with an unlocked gnome-keyring, against a private Dovecot. Expects the app, the CLI and
# mailbell-testserver built (scripts/test.sh does it). WebKitGTK's own WebDriver
# (WebKitWebDriver) attaches to each window the app opens (tests-app/e2e/harness.mjs says how).
#
#   bash scripts/app-e2e.sh                 # all tests
#   MAILBELL_SCREENSHOTS=docs bash scripts/app-e2e.sh   # also save screenshots there
#   MAILBELL_E2E_TESTS="tray app" bash scripts/app-e2e.sh  # only tests-app/e2e/{tray,app}.test.mjs
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh
. scripts/lib/app.sh

ensure_apt "${APP_BUILD_PACKAGES[@]}" "${APP_RUN_PACKAGES[@]}" "${APP_TEST_PACKAGES[@]}"
[ -n "${MAILBELL_SCREENSHOTS:-}" ] && MAILBELL_SCREENSHOTS=$(realpath "$MAILBELL_SCREENSHOTS")
export MAILBELL_SCREENSHOTS="${MAILBELL_SCREENSHOTS:-}"
# Bare Xvfb has no tray host, and without one the app keeps its window (closing minimises it).
# These tests expect a tray, so a real one runs (trayer); scripts/package-test.sh also tests
# the trayless case and a StatusNotifierWatcher host.
# tray.test.mjs runs its own hosts (Ayatana's StatusNotifierWatcher, trayer) on a display of its own.
# wayland.test.mjs runs its own Wayland compositor (sway, headless) and the app there, without X.
tests=(tests-app/e2e/)
if [ -n "${MAILBELL_E2E_TESTS:-}" ]; then
  tests=()
  for name in $MAILBELL_E2E_TESTS; do
    [ -f "tests-app/e2e/$name.test.mjs" ] || die "no test file tests-app/e2e/$name.test.mjs (MAILBELL_E2E_TESTS)"
    tests+=("tests-app/e2e/$name.test.mjs")
  done
fi
# dunst, the notification server (started by D-Bus activation on the private bus), reads its
# configuration once, at start: its context menu (`dunstctl context`) runs the tests' chooser, so
# that a test can pick one of a notification's actions (tests-app/e2e/dunst-dmenu.sh).
# shellcheck disable=SC2016 # $HOME is the private home with_keyring makes
with_xvfb with_xembed_tray with_keyring sh -c 'mkdir -p "$HOME/.config/dunst" \
  && printf "[global]\n    dmenu = %s\n" "$1" > "$HOME/.config/dunst/dunstrc" && shift && exec "$@"' \
  sh "$PWD/tests-app/e2e/dunst-dmenu.sh" node --test --test-concurrency=1 "${tests[@]}" "$@"
