#!/bin/sh
# dunst's "dmenu" in the app's WebDriver tests (scripts/app-e2e.sh points dunst's `dmenu` setting
# here). `dunstctl context` opens dunst's context menu: dunst writes one line per action of the
# notifications on screen to this program's stdin and performs the action of the line it prints.
# This prints the first line that holds the title the test wrote to $HOME/.mailbell-dunst-choice
# (e.g. "Mark as read"), and keeps the whole menu in $HOME/.mailbell-dunst-menu for the test.
menu=$(cat)
printf '%s\n' "$menu" > "$HOME/.mailbell-dunst-menu"
choice=$(cat "$HOME/.mailbell-dunst-choice" 2>/dev/null) || exit 1
[ -n "$choice" ] || exit 1
printf '%s\n' "$menu" | grep -F -m 1 -- "$choice"
