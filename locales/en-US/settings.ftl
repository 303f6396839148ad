# Settings (ui/src/views/settings.ts).

settings-title = Settings
settings-general = General
settings-notifications = Show a notification when new mail arrives
settings-pause = Pause notifications for now
settings-autostart = Start Mailbell when I log in
settings-start-in-tray = Start in the tray (window hidden)
settings-start-in-tray-needs-tray = Starting in the tray needs a tray icon to open the window from.
settings-no-tray = Your desktop shows no tray icons, so Mailbell keeps running in its window and notifications. On GNOME, install the AppIndicator extension (package gnome-shell-extension-appindicator) to get the tray icon.
settings-interval = Check for new mail every
settings-interval-hint = (where the server offers push, INBOX is immediate)
settings-account-rings = Ring for new mail in this account
settings-account-rings-off = (its mail is still listed and counted)
settings-watched-folders = Watched folders
settings-folders-after-check = Folders appear after the first check.
settings-open-in = Open messages in
settings-open-in-hint = Your mail program, the provider's webmail or a command of yours: chosen on the account's page.
settings-open-in-choose = Choose…
