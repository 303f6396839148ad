# The About view (ui/src/views/about.ts).

about-version = Version
about-version-line = Version { $version }
about-data-folder = Data folder
about-log-file = Log file
about-tray-icon = Tray icon
about-tray-available = available
about-tray-missing = not shown on this desktop
about-summary = A small IMAP new-mail notifier. It never marks anything read on the server, never shows a message twice, and costs nothing while the inbox is quiet.
about-cli-title = From the command line
about-cli-hint = Accounts are added under Accounts → Add account, or from a terminal with mailbell-cli (the password goes to your keyring, never to disk):
about-cli-shared = The same data folder and keyring serve the command line and this app: Mailbell picks a new account up within seconds.
