# The account setup's shared parts (ui/src/setup.ts, ui/src/views/form.ts).

field-optional = (optional)
password-show = Show
password-hide = Hide
copy = Copy
copy-done = Copied
copy-press-ctrl-c = Press Ctrl+C
link-open-in-browser = Open in your browser
link-copy-title = Copy the address

cert-title = The server's certificate is not trusted
cert-subject = Subject
cert-issuer = Issuer
cert-valid = Valid
cert-valid-range = { $from } to { $to }
cert-names = Names
cert-why = Why
cert-self-signed = self-signed
cert-expired = expired
cert-not-yet-valid = not valid yet

step-list-label = Connection test
step-connect = Connect to the server
step-secure = Secure the connection
step-authenticate = Sign in
step-list-folders = List the folders
# A step of the connection test for screen readers: "Sign in: done".
step-aria = { $step }: { $state }
step-state-pending = waiting
step-state-running = running
step-state-ok = done
step-state-failed = failed
step-state-skipped = skipped

setup-test-failed = The connection test failed.
setup-cert-advice = If you trust this server: give the certificate file (PEM) of the authority that signed it as “CA certificate file” above (typed, or with “Use a CA certificate file…”) and test again, or trust exactly this certificate below. Check the SHA-256 fingerprint with the server's administrator first.
setup-cert-advice-self-signed = If you trust this server: trust exactly this self-signed certificate below, or give its file (PEM) as “CA certificate file” above (typed, or with “Use a CA certificate file…”) and test again. Check the SHA-256 fingerprint with the server's administrator first.
setup-enter-host = Enter the IMAP server's name, e.g. imap.example.org.
setup-enter-port = Enter a port number between 1 and 65535: 993 for TLS, 143 for STARTTLS.
setup-enter-username = Enter the user name (usually your whole email address).
setup-folder-counts = { $count ->
    [one] { $count } message
   *[other] { $count } messages
}
setup-folder-counts-unread = { $count ->
    [one] { $count } message, { $unseen } unread
   *[other] { $count } messages, { $unseen } unread
}

source-builtin = Built-in settings for { $provider }
source-autoconfig = Found via autoconfig
source-ispdb = Found in Thunderbird's database of providers
source-srv = Found via the DNS record
source-guess = Guessed: { $host } answers on port { $port }

security-tls = TLS (encrypted from the start)
security-starttls = STARTTLS (encrypted after connecting)
security-plain = None: unencrypted
