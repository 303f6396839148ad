# The app's own errors, as the window shows them (src-tauri: commands.rs, open_in.rs, setup.rs,
# signin.rs, bridge.rs). The engine's errors about accounts and folders are its structured
# problems (flow.ftl); $reason is the system's or the engine's own words.

error-interval-too-short = The interval must be at least { $secs } seconds.
error-no-such-folder = There is no folder “{ $folder }” in this account.
error-no-such-account = There is no account “{ $account }” (removed already?).
error-autostart = Mailbell could not change whether it starts at login: { $reason }
error-no-webmail = Mailbell knows no webmail for this account's provider.
error-no-webmail-choose = Mailbell knows no webmail for this account's provider: choose another way in Settings.
error-browser = The browser could not be started: { $reason }
error-no-mail-program = This desktop has no default mail program (nothing handles mailto: links). Set one in your desktop's settings, or choose webmail or a command in Settings.
error-command-cannot-run = Your Open in command cannot run: { $reason }.
error-no-program = There is no program to start.
error-program-not-started = { $program } could not be started: { $reason }
error-not-an-address = This is not an email address: { $reason }.
error-sign-in-over = This sign-in is over: start it again.
error-https-only = Only https links are opened.
error-not-oauth = The account “{ $account }” does not sign in in the browser.
error-keyring = Mailbell cannot read passwords: { $reason }

# A rule of "What rings" that cannot be kept ($n counts quiet hours from 1).
error-rules-bad-start = Quiet hours { $n }: the start time "{ $value }" is not a time of day like 22:00 (00:00 to 23:59).
error-rules-bad-end = Quiet hours { $n }: the end time "{ $value }" is not a time of day like 22:00 (00:00 to 23:59).
error-rules-no-day = Quiet hours { $n }: choose at least one day.
error-rules-bad-important = Important: "{ $entry }" is not an address (jane@example.org) or a domain (example.org).
error-rules-bad-muted = Muted: "{ $entry }" is not an address (jane@example.org), a domain (example.org) or a mailing list (list:news.example.org).
