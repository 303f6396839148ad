# Desktop notifications (src-tauri/src/notify.rs).

notify-action-read = Mark as read
notify-action-archive = Archive
notify-action-delete = Delete
notify-unknown-sender = Unknown sender
notify-no-subject = (no subject)
# The last line of a summary that names only the newest few.
notify-and-more = and { $count } more
notify-burst-title = { $count ->
    [one] { $count } new message · { $account }
   *[other] { $count } new messages · { $account }
}
notify-late-title = { $count ->
    [one] { $count } message while Mailbell was stopped · { $account }
   *[other] { $count } messages while Mailbell was stopped · { $account }
}
notify-digest-title = { $count ->
    [one] While quiet hours were on: { $count } message
   *[other] While quiet hours were on: { $count } messages
}
