# What went wrong with an account, as a sentence about the user's situation (ui/src/problem.ts),
# the main button that fixes it, and the account's certificate card (ui/src/views/editor.ts).
# "Check" is the verb for fetching mail.

# Stand-ins when the engine named no server or folder.
problem-the-server = the server
problem-a-folder = a folder
# The disclosure that holds the server's own words.
problem-details = Details
problem-auth-failed-user = { $host } did not accept the password for { $user }.
problem-auth-failed = { $host } did not accept the password.
problem-sign-in-again = Your sign-in at { $host } has ended. Sign in again to keep getting mail.
problem-password-missing = Mailbell has no password for this account in your keyring.
problem-keyring = Mailbell cannot use your keyring, where it keeps the password.
problem-cert-untrusted = Mailbell does not trust the certificate of { $host }, so it did not send your password.
problem-cert-changed = The certificate of { $host } is not the one you trusted. Mailbell stopped checking this account until you review it.
problem-ca-file = The CA certificate chosen for this account cannot be used.
problem-tls-failed = Mailbell could not set up an encrypted connection to { $host }.
problem-not-encrypted = { $host } would only take your password unencrypted, so Mailbell did not send it.
problem-no-oauth = { $host } does not offer signing in through the browser.
problem-host-not-found = There is no server called { $host }: is the name right?
problem-connection-refused = { $host } does not accept connections on this port.
problem-timeout = { $host } did not answer in time. Mailbell will try again.
problem-offline = This computer is offline. Mailbell will check for mail again when the network is back.
problem-connection-lost = The connection to { $host } was lost. Mailbell will try again.
problem-server-busy = { $host } cannot sign anyone in right now. Mailbell will try again.
problem-server-error = The server reported an error.
problem-folder-failed = Mailbell could not check { $folder } for mail.
problem-folder-gone = The folder { $folder } is no longer on the server.
problem-settings = This account's settings cannot be used.
problem-other = Something went wrong.

# The account's main button when its state needs the user.
fix-enter-password = Enter password…
fix-review-certificate = Review certificate…

# The certificate card on the account's page.
cert-card-title = Server certificate
cert-use-ca-file = Use a CA certificate file…
cert-choose-another-ca = Choose another CA file…
cert-trust = Trust this certificate
cert-trust-hint = Trust it only if its SHA-256 fingerprint is the one the server's administrator gives you. Mailbell then accepts exactly this certificate from { $host }, and stops checking the account if the server ever presents another one.
# $sha256: the fingerprint, 32 pairs of hexadecimal digits
cert-had-trusted = You had trusted the certificate with SHA-256 { $sha256 }.
cert-pinned = Mailbell trusts exactly the certificate of { $host } with SHA-256 { $sha256 }.
# $path: the file the user chose
cert-ca-file = Mailbell also trusts the CA certificate in { $path }.
cert-forget = Stop trusting it
cert-system-only = Use the system's CAs only
# The desktop's file chooser for a CA certificate.
cert-chooser-title = Choose the CA certificate
cert-chooser-filter = Certificates (PEM)
