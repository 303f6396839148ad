# The setup's engine words that are not errors of a field or advice (ui/src/engine-words.ts):
# what each step of the connection test found, why a certificate is not trusted, the notes on
# a provider or a found server, what discovery tried; and the sign-in's errors
# (src-tauri/src/signin.rs). The engine's English stays under "Details".

## What a step of the connection test found.
step-found-connected = Connected to { $address }.
step-found-answered = Connected to { $address }; an IMAP server answered.
step-found-tls = Encrypted with TLS; certificate verified: { $subject }, issued by { $issuer }, valid until { $date }.
step-found-starttls = Encrypted with STARTTLS; certificate verified: { $subject }, issued by { $issuer }, valid until { $date }.
step-found-tls-unread = Encrypted with TLS; certificate verified.
step-found-starttls-unread = Encrypted with STARTTLS; certificate verified.
step-found-not-encrypted = Not encrypted: you chose no encryption, so the password travels unencrypted.
step-found-signed-in = Signed in as { $user }.
step-found-folders = { $count ->
    [one] { $count } folder.
   *[other] { $count } folders.
}

## Why a server's certificate is not trusted.
cert-not-trusted = Mailbell does not trust the certificate of { $host }.
cert-why-self-signed = It is self-signed: no certificate authority vouches for it.
cert-why-unknown-issuer = It was issued by a certificate authority this computer does not trust.
cert-why-expired = It has expired.
cert-why-not-yet-valid = It is not valid yet.
cert-why-name-mismatch = It was issued for a different server name.
cert-why-revoked = Its issuer has revoked it.
cert-why-not-pinned = It is not the certificate you trusted for this account.
cert-why-other = It could not be verified.

## What a provider's users must know.
provider-note-gmail = Google lets mail programs in only with an app password (which needs 2-Step Verification) or by signing in through the browser; your usual Google password does not work.
provider-note-outlook = Microsoft lets mail programs in only by signing in through the browser, never with a password.
provider-note-yahoo = Yahoo lets mail programs in only with an app password, made in your account's security settings.
provider-note-icloud = iCloud needs an app-specific password (with two-factor authentication on). The user name is usually the part before the @; if that fails, try the whole address.
provider-note-fastmail = Fastmail needs an app password for every mail program.
provider-note-gmx = First switch on “POP3/IMAP access” in GMX's web settings; with two-factor authentication, use an app password.
provider-note-webde = First switch on “POP3/IMAP-Abruf” in WEB.DE's web settings; with two-factor authentication, use an app password.
provider-note-mailbox-org = Your mailbox.org password works; with two-factor authentication, use an app password.
provider-note-posteo = Your Posteo password works; with two-factor authentication, use an app password.
provider-note-aol = AOL lets mail programs in only with an app password, made on the account security page.
provider-note-zoho = First switch on IMAP access in Zoho Mail's settings; with two-factor authentication, use an application-specific password.
provider-note-proton-bridge = Proton Mail is reached through Proton Mail Bridge on this computer: use the password Bridge shows (not your Proton password), and trust Bridge's certificate (export it from Bridge and choose it as the CA file).

## What to know about a server discovery found.
note-not-encrypted = This server is offered without encryption: the password would travel unencrypted.
note-untrusted-certificate = An IMAP server answered, but Mailbell does not trust its certificate: the connection test shows the certificate and how to trust it.
note-oauth-only = This server takes only signing in through the browser (OAuth2), not a password.
note-encrypted-password = This server asks for an encrypted password exchange (CRAM-MD5); Mailbell sends the password over an encrypted connection instead, which the server may refuse.
note-unusable-sign-in = This server lists only ways of signing in that Mailbell does not use ({ $methods }).

## What discovery tried, and what came of it.
attempt-source-builtin = Mailbell's list of providers
attempt-source-autoconfig = Autoconfig
attempt-source-ispdb = Thunderbird's ISPDB
attempt-source-srv = DNS SRV
attempt-source-guess = Guessed
attempt-not-in-table = not a provider Mailbell knows
attempt-provider = { $name } ({ $server })
attempt-servers = { $count ->
    [one] { $count } IMAP server
   *[other] { $count } IMAP servers
}
attempt-no-imap-server = no usable IMAP server in it
attempt-unreadable = could not be fetched or read
attempt-targets = points to { $servers }
attempt-no-service = says there is no IMAP service
attempt-no-record = no record
attempt-lookup-failed = the name could not be looked up
attempt-imap-answered = an IMAP server answered
attempt-untrusted = an IMAP server answered; its certificate is not trusted
attempt-no-answer = no IMAP server answered

## A field's value that only the engine's English describes.
engine-field-other = This value cannot be used.
engine-field-unknown-quirk = Mailbell does not know the server quirk “{ $value }”.

## Signing in through the browser went wrong.
signin-error-config = The sign-in settings for this provider cannot be used.
signin-error-listener = Mailbell could not wait for the browser's answer on this computer.
signin-error-timed-out = { $minutes ->
    [one] No answer came back from the browser within a minute: sign in again.
   *[other] No answer came back from the browser within { $minutes } minutes: sign in again.
}
signin-error-denied = The sign-in was refused.
signin-error-unreachable = Mailbell cannot reach the sign-in server { $server }.
signin-error-sign-in-again = The sign-in has expired or was withdrawn: sign in again.
signin-error-refused = The sign-in server refused the request.
signin-error-bad-answer = The sign-in server gave an answer Mailbell cannot use.
signin-error-not-offered = This server offers no signing in through the browser: use its password.
signin-error-run-out = The sign-in has run out: sign in again.
signin-no-client = This copy of Mailbell has no sign-in registered with { $provider }: use an app password.
signin-error-cancelled = Sign-in cancelled.
