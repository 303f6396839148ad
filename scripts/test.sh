#!/usr/bin/env bash
# Runs every test against real components: a private Dovecot per test (started by the harness
# in tests/), and the real Secret Service (gnome-keyring inside dbus-run-session).
# Installs what it needs first. Fails loudly when a real component cannot start.
#
# With no arguments it also tests the desktop app: the UI's unit tests (Vitest, after the
# TypeScript bindings are generated from Rust), then the real app through WebDriver under Xvfb
# (scripts/app-e2e.sh). Arguments go to nextest alone, e.g. `scripts/test.sh -p mailbell-e2e sync_once`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh
. scripts/lib/app.sh

full=1
[ "$#" -gt 0 ] && full=0

ensure_apt "${ENGINE_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
if [ $full = 1 ]; then
  ensure_apt "${APP_BUILD_PACKAGES[@]}" "${APP_RUN_PACKAGES[@]}" "${APP_TEST_PACKAGES[@]}"
fi
ensure_rust
ensure_nextest

if [ $full = 1 ]; then
  ensure_node
  ensure_npm_deps
  # The fast gates first: a formatting slip or an import cycle fails in seconds, not after
  # half an hour of end-to-end tests.
  echo "== Gates: rustfmt, the engine's import cycles, clippy, TypeScript, ESLint" >&2
  cargo fmt --all --check || die "cargo fmt --check found unformatted code: run cargo fmt --all"
  (cd fuzz && cargo fmt --check) || die "the fuzz crate is not formatted: run (cd fuzz && cargo fmt)"
  python3 scripts/check-cycles.py || die "the engine's modules import each other in a cycle (see above)"
  cargo clippy --workspace --all-targets --locked -- -D warnings || die "clippy found problems (see above)"
  npm run --silent typecheck || die "the UI's TypeScript does not type-check"
  npm run --silent lint || die "ESLint found problems in ui/"
  echo "== UI: TypeScript bindings from Rust (ts-rs), type check, unit tests (Vitest)" >&2
  cargo test --locked -q -p mailbell-sync -p mailbell-app --features ts --lib export_bindings >/dev/null
  npm run --silent typecheck
  npm run --silent test:ui
  build_ui
fi

# The e2e tests drive the real CLI binary: build it before the tests.
cargo build --workspace --bins --locked
rc=0
with_keyring cargo nextest run --workspace --locked --no-fail-fast "$@" || rc=$?

if [ $full = 1 ]; then
  echo "== The desktop app end to end (WebDriver, Xvfb, Dovecot, keyring)" >&2
  build_app
  # A copy, so that a later dev build of the workspace cannot swap the binary under the tests.
  mkdir -p "$CARGO_TARGET_DIR/app-e2e"
  cp "$CARGO_TARGET_DIR/debug/mailbell" "$CARGO_TARGET_DIR/app-e2e/mailbell"
  MAILBELL_APP="$CARGO_TARGET_DIR/app-e2e/mailbell" bash scripts/app-e2e.sh || rc=$?
fi
if [ $full = 1 ] && [ "${MAILBELL_FUZZ:-1}" != 0 ]; then
  # 45 s per target by default (MAILBELL_FUZZ_SECONDS); scripts/fuzz.sh documents the long run.
  echo "== Short fuzz runs of the parsers of hostile input (cargo-fuzz)" >&2
  bash scripts/fuzz.sh --ci || rc=$?
fi
if [ $full = 1 ]; then
  echo "== The Linux package (.deb): build, contents, desktop entry, first run with and without a tray" >&2
  bash scripts/package-test.sh || rc=$?
fi
exit $rc
