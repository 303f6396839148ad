# "Open in…" an account's choice (ui/src/views/openin.ts).

open-in-hint = Where “Open in…” in the reading pane takes a message of this account.
open-in-mail-program = Your mail program
open-in-mail-program-named = Your mail program ({ $program })
open-in-mail-program-none = Your mail program (this desktop has none set)
open-in-webmail = Webmail
open-in-webmail-named = { $webmail } webmail, in your browser
open-in-webmail-none = Webmail (Mailbell knows none for this provider)
open-in-command = A command of yours
open-in-command-label = Your command
open-in-command-hint = Split into words like a shell would, but no shell runs it. The message comes in environment variables: MAILBELL_ACCOUNT, MAILBELL_FOLDER, MAILBELL_UID, MAILBELL_UIDVALIDITY, MAILBELL_MESSAGE_ID, MAILBELL_SUBJECT, MAILBELL_FROM.
open-in-save = Save
open-in-saved = Saved.
