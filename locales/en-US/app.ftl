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
