# An account's editor (ui/src/views/editor.ts).

editor-back = ← Accounts
editor-card-sign-in = Sign-in
editor-card-password = Password
editor-card-checking = Checking
editor-card-remove = Remove
editor-new-password = New password
editor-new-password-hint = Enter the password the server expects now (changing it here does not change it on the server). It is tested before it is saved.
editor-enter-new-password = Enter the new password.
editor-test-and-save = Test and save
editor-password-saved = Password saved to your keyring: Mailbell signs in with it from now on.
editor-sign-in-ended = The sign-in with { $provider } has ended.
editor-signed-in-as = Signed in with { $provider } as { $user }.
editor-sign-in-hint = Mailbell keeps only the sign-in's token, in your keyring: your password stays with { $provider }. When { $provider } ends the sign-in (after a password change, or when Mailbell's access is removed there), sign in again here.
editor-signed-in-again = Signed in again: Mailbell checks the account now.
editor-try-again = Try again when you are ready.
editor-remove-hint = Stop watching this account and forget it.
editor-remove-account-ellipsis = Remove account…
editor-remove-account = Remove account
editor-keep = Keep it
editor-remove-question = Remove this account from Mailbell?
editor-remove-stops = Mailbell stops watching it.
editor-remove-password = Its password is deleted from your keyring.
editor-remove-sign-in = Its sign-in is deleted from your keyring.
editor-remove-sign-in-revoked = Its sign-in is revoked at { $provider } and deleted from your keyring.
editor-remove-stored = The messages Mailbell stored for it are removed from this computer.
editor-remove-server-unchanged = Nothing changes on the mail server: your mail stays where it is.

# A button's words while its action runs.
busy-signing-in = Signing in…
busy-testing = Testing…
busy-saving = Saving…
busy-removing = Removing…
