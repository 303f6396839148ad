# The reading pane (ui/src/views/reader.ts) and the actions on a message.

action-read = Mark as read
action-archive = Archive
action-delete = Delete
reader-back = ← New mail
reader-loading = Loading the message…
reader-open-in = Open in { $program }
reader-open-in-webmail = Open in { $webmail } webmail
reader-open-with-command = Open with your command
reader-open-in-none = No mail program is set on this desktop: choose where messages open on the account's page (Accounts → Edit).
reader-from = From
reader-to = To
reader-cc = Cc
reader-reply-to = Reply to
reader-date = Date
reader-folder = Folder
reader-attachments = Attachments
reader-attachment-no-name = (no name)
reader-truncated = This message is too big to show whole here: this is its beginning. Open it in your mail program for the rest.
reader-remote-blocked = { $count ->
    [one] { $count } remote image is blocked: loading it tells the sender you read this.
   *[other] { $count } remote images are blocked: loading them tells the sender you read this.
}
reader-show-remote = Show remote images
reader-frame-title = The message
reader-link-mailto = This link writes to { $address }: write from your mail program.
reader-link-not-https = Mailbell opens only https links; this one is not: { $url }
size-bytes = { $count ->
    [one] { $count } byte
   *[other] { $count } bytes
}
size-kb = { $size } KB
size-mb = { $size } MB
