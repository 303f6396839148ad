#!/usr/bin/env bash
# Benchmarks the release-built mailbell-cli against a private Dovecot (one per scenario) and the
# real Secret Service (gnome-keyring inside dbus-run-session). Installs what it needs first.
#
#   bash scripts/bench.sh            # the real sizes (S5 watches two quiet 10 minutes)
#   bash scripts/bench.sh --quick    # small sizes: a smoke run of every scenario
#   bash scripts/bench.sh --only S2  # one scenario; --reps N changes the repetitions
#
# S1-S3 and S6 time `sync --once`; S4 (push latency per folder kind), S5 (idle cost per hour)
# and S7 (recovery after a network change) run `watch --json`, each with NOTIFY and without.
# S5 counts syscalls with `perf stat` when perf is installed and allowed (else it says so).
# S7 needs root: it makes network namespaces of its own (deleted at the end) for the CLI.
#
# Timing is reported, never judged. The exit code is non-zero only when something is
# functionally wrong: the CLI failed, a folder errored, a pass printed the wrong new_message
# or message_update events, or watch lost a message, its push, or its connections.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh

ensure_apt "${ENGINE_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_rust

cargo build --release --locked -p mailbell-cli -p mailbell-bench
export MAILBELL_CLI="$CARGO_TARGET_DIR/release/mailbell-cli"
with_keyring "$CARGO_TARGET_DIR/release/mailbell-bench" "$@"
