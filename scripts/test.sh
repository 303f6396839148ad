#!/usr/bin/env bash
# Runs every test against real components: a private Dovecot per test (started by the harness
# in tests/), and the real Secret Service (gnome-keyring inside dbus-run-session).
# Installs what it needs first. Fails loudly when a real component cannot start.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh

ensure_apt "${ENGINE_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_rust
ensure_nextest

# The e2e tests drive the real CLI binary: build it before the tests.
cargo build --workspace --bins --locked
with_keyring cargo nextest run --workspace --locked --no-fail-fast "$@"
