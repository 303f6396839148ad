#!/usr/bin/env bash
# Builds and starts Mailbell. Until the desktop app lands this is the headless notifier:
# `mailbell-cli watch`, which needs accounts (see README) and a Secret Service for passwords.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh

ensure_apt "${ENGINE_PACKAGES[@]}"
ensure_rust
cargo build --release --locked -p mailbell-cli
cli="$CARGO_TARGET_DIR/release/mailbell-cli"

if [ "$#" -gt 0 ]; then
  exec "$cli" "$@"
fi
if ! "$cli" account list --json | grep -q '"id"'; then
  cat <<MSG
Mailbell is built: $cli

No account yet. Add one (the password goes to the OS keyring, never to disk):
  printf %s "\$PASSWORD" | scripts/run.sh account add --email you@example.org --host imap.example.org --password-stdin
then run scripts/run.sh again to watch for new mail (Ctrl-C to stop).
MSG
  exit 0
fi
exec "$cli" watch
