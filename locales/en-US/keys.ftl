# The keyboard: shortcuts (About's list, tooltips) and what a shortcut says it started.

# The Control key's name on the keyboard.
keys-ctrl = Ctrl
keys-escape = Escape
keys-shortcuts-title = Keyboard shortcuts
keys-check = Check all accounts now
keys-settings = Settings
keys-escape-what = Close the message or the account's page
keys-close = Close the window (Mailbell keeps watching in the tray)
keys-quit = Quit Mailbell
keys-arrows = Move between the tabs, and between the rows of a list; Enter opens a row
# Said by a screen reader when F5 or Ctrl+R starts a check.
keys-checking = Checking all accounts now.
# A tooltip: what a button does and its shortcut.
keys-with-keys = { $label } ({ $keys })
