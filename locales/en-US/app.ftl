# The window's frame (ui/src/main.ts): tabs, top bar, title, notices.

tab-new-mail = New mail
tab-recent = Recent
tab-accounts = Accounts
tab-settings = Settings
tab-about = About
tab-account-error = An account has an error
topbar-paused = Notifications paused
topbar-paused-title = Notifications are paused: click to resume
topbar-check-all = Check all
window-title-count = Mailbell ({ $count })
notice-account-added = { $account } is added: Mailbell checks it now.
notice-account-removed = { $account } is removed.

# Toasts (ui/src/views/toast.ts): what an action on a message did.
acted-read = Marked as read on the server.
acted-archive = Moved to the archive.
acted-delete = Moved to the trash.
toast-undo = Undo
toast-undone = Undone.
toast-close = Close

# Pieces several views share (ui/src/views/common.ts).
no-accounts-title = No mail account yet
no-accounts-text = Mailbell watches IMAP accounts and tells you when new mail arrives. Add the account to watch: Mailbell finds its server settings and tests them with you.
no-accounts-add = Add an account
interval-field-label = Check for new mail every
interval-field-hint = Where the server offers push (IDLE), new mail in INBOX shows at once.
folder-rings = rings
folder-rings-title = Ring for new mail in { $folder }
