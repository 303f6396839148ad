#!/usr/bin/env bash
# Benchmarks the release-built mailbell-cli against a private Dovecot (one per scenario) and the
# real Secret Service (gnome-keyring inside dbus-run-session). Installs what it needs first.
#
#   bash scripts/bench.sh            # the real sizes (several minutes)
#   bash scripts/bench.sh --quick    # small sizes: a smoke run of every scenario
#   bash scripts/bench.sh --only S2  # one scenario; --reps N changes the repetitions
#
# Timing is reported, never judged. The exit code is non-zero only when something is
# functionally wrong: the CLI failed, a folder errored, or a pass printed the wrong number
# of new_message events.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh

ensure_apt "${ENGINE_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_rust

cargo build --release --locked -p mailbell-cli -p mailbell-bench
export MAILBELL_CLI="$CARGO_TARGET_DIR/release/mailbell-cli"
with_keyring "$CARGO_TARGET_DIR/release/mailbell-bench" "$@"
