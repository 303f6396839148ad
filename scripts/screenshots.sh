#!/usr/bin/env bash
# Retakes the README's screenshots from the real app (docs/*.png) under Xvfb, with a private
# Dovecot, a keyring session, dunst for notifications and trayer for the tray. Needs the app,
# CLI and mailbell-testserver built (scripts/test.sh builds them). Arguments choose the groups of
# shots (app, wizard, oauth; default all), e.g. `scripts/screenshots.sh oauth`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh
. scripts/lib/app.sh
ensure_apt "${APP_TEST_PACKAGES[@]}" xdotool trayer x11-xserver-utils
mkdir -p docs
with_xvfb with_keyring node tests-app/screenshots.mjs docs "$@"
