#!/usr/bin/env bash
# Soak mode: `mailbell-cli watch` (a release build) against a private Dovecot for MINUTES
# (default 10), with mail trickling into three folders (now and then a burst of 300) and a
# random fault every 10-40 s: proxy resets, stalls, latency, Dovecot restarts, and watch itself
# killed (SIGKILL) or stopped (SIGTERM) and started again. Then it settles, stops, runs a final
# `sync --once` and prints what it checked: messages sent, stored, announced, announced twice,
# lost, faults, reconnects, latency percentiles, and the RSS of watch over time. Exit status 1
# when a guarantee broke. Not part of scripts/test.sh.
#
#   bash scripts/soak.sh [MINUTES]          MAILBELL_SOAK_SEED=N replays a fault schedule
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh

ensure_apt "${ENGINE_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_rust
cargo build --release --locked -p mailbell-cli
cargo build --locked -p mailbell-e2e --example soak
MAILBELL_CLI="$CARGO_TARGET_DIR/release/mailbell-cli" with_keyring "$CARGO_TARGET_DIR/debug/examples/soak" "${1:-10}"
