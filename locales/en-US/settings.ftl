# Settings (ui/src/views/settings.ts).

settings-title = Settings
settings-general = General
settings-notifications = Show a notification when new mail arrives
settings-pause = Pause notifications for now
settings-autostart = Start Mailbell when I log in
settings-start-in-tray = Start in the tray (window hidden)
settings-start-in-tray-needs-tray = Starting in the tray needs a tray icon to open the window from.
settings-no-tray = Your desktop shows no tray icons, so Mailbell keeps running in its window and notifications. On GNOME, install the AppIndicator extension (package gnome-shell-extension-appindicator) to get the tray icon.
settings-account-rings = Ring for new mail in this account
settings-account-rings-off = (its mail is still listed and counted)
settings-watched-folders = Watched folders
settings-folders-after-check = Folders appear after the first check.
settings-open-in = Open messages in

# Per account: its own settings are on its page.
settings-account-on-page = How often it is checked, whether it rings, its folders and where its messages open: on the account's page.
settings-account-open = Account settings…
