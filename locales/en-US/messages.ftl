# New mail and Recent (ui/src/views/messages.ts, recent.ts).

messages-title = New mail
# The count above the list: every listed message, and how many are not looked at yet.
messages-count-all-new = { $count ->
    [one] { $count } new message
   *[other] { $count } new messages
}
messages-count-some-new = { $count } messages, { $unviewed } not seen yet
messages-count-all-seen = { $count ->
    [one] { $count } message, seen
   *[other] { $count } messages, all seen
}
messages-mark-all-seen = Mark all as seen
messages-empty-title = No new mail
messages-empty-text = Mail that arrives from now on shows up here, newest first, until you read or delete it in your mail program (Recent keeps it). The mail already in your folders when Mailbell first looked is history, not news, so it is not listed.
messages-empty-hint = Mailbell checks every few minutes, and at once where the server pushes new mail (IDLE).
message-dot-seen = seen
message-dot-new = new

recent-title = Recent
recent-count = The last { $limit } messages at most, with what became of them
recent-empty-title = Nothing yet
recent-empty-text = Mail that arrives from now on shows up here, and stays after you read or delete it.
recent-state-new = New
recent-state-new-hint = Unread on the server, and not looked at in Mailbell yet
recent-state-viewed = Seen in Mailbell
recent-state-viewed-hint = Unread on the server; you have looked at it in Mailbell
recent-state-read = Read
recent-state-read-hint = Read on the server, here or in another mail program
recent-state-deleted = Deleted on the server
recent-state-deleted-hint = No longer on the server (deleted or moved away)
