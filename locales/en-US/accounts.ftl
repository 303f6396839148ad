# The Accounts view (ui/src/views/accounts.ts). "Check" is the verb for fetching mail.

accounts-title = Accounts
accounts-count = { $count ->
    [one] { $count } account
   *[other] { $count } accounts
}
accounts-add = Add account
# How changes reach Mailbell between checks.
account-push-notify = { $count ->
    [one] push (NOTIFY) on { $count } folder
   *[other] push (NOTIFY) on { $count } folders
}
account-push-idle = { $count ->
    [one] push (IDLE) on { $count } folder
   *[other] push (IDLE) on { $count } folders
}
account-push-idle-swept = { $count ->
    [one] push (IDLE) on { $count } folder, others every { $secs } s
   *[other] push (IDLE) on { $count } folders, others every { $secs } s
}
# $when: "in 4 min", "now"
account-next-check = next check { $when }
account-disabled = disabled
account-check-now = Check now
account-edit = Edit
account-edit-title = Password, folders, check interval, remove
account-no-folders = No folders yet: they appear after the first check.
account-none-watched = No folder is watched: choose some under Edit.
account-unwatched = { $count ->
    [one] { $count } folder not watched (Junk, Trash, Sent…).
   *[other] { $count } folders not watched (Junk, Trash, Sent…).
}
account-choose-folders = Choose folders
account-sign-in-again = Sign in again
account-sign-in-again-title = Sign in on the provider's page, in your browser

# $ago: "5 min ago", "just now"
folder-checked-ago = checked { $ago }
folder-not-checked = not checked yet
folder-messages = { $count ->
    [one] { $count } message, { $unseen } unread on the server
   *[other] { $count } messages, { $unseen } unread on the server
}
folder-check = Check
folder-check-title = Check { $folder } now
folder-new-count = { $count } new
