# The engine's words in the setup wizard and the account editor (ui/src/engine-words.ts): a
# field's error, and what went wrong in the connection test and what to do about it.
# "Check" is the verb for fetching mail.

## A field's value that cannot be used.
engine-field-email-missing = Enter your whole email address, e.g. jane@example.org.
engine-field-email-invalid = “{ $value }” is not an email address. It looks like name@domain, e.g. jane@example.org.
engine-field-host-missing = Enter the IMAP server's name, e.g. imap.example.org.
engine-field-host-invalid = “{ $value }” is not a server name: enter only the name, e.g. imap.example.org.
engine-field-fingerprint-invalid = “{ $value }” is not a SHA-256 fingerprint: it has 64 hexadecimal digits (colons optional).
engine-field-username-missing = Enter the user name (usually your whole email address).
engine-field-password-missing = Enter the password (or app password) of this account.
engine-field-port-zero = 0 is not a port: use 993 for TLS or 143 for STARTTLS.
engine-field-ca-file-not-absolute = Give the full path of the CA certificate, e.g. /home/you/ca.pem.
engine-field-ca-file-unusable = This file cannot be used as a CA certificate.
engine-field-no-folders = Choose at least one folder to watch (INBOX is the usual one).
engine-field-interval-too-short = { $value } seconds is too short: check at least every { $min } seconds.
engine-field-already-set-up = This account is already set up: change it under Accounts instead.

## What went wrong in the connection test.
engine-test-host-not-found = There is no server called { $host }.
engine-test-connection-refused = { $host } does not accept connections on port { $port }.
engine-test-timed-out = { $host } did not answer on port { $port } in time.
engine-test-network-unreachable = This computer cannot reach { $host }.
engine-test-untrusted-certificate = Mailbell does not trust the certificate of { $host }, so it did not send your password.
engine-test-tls-failed = Mailbell could not set up an encrypted connection to { $host }.
engine-test-ca-file-unusable = The CA certificate chosen for this account cannot be used.
engine-test-starttls-not-offered = { $host } does not offer STARTTLS.
engine-test-starttls-refused = { $host } refused STARTTLS.
engine-test-not-imap = Something answers at { $host } on port { $port }, but not like an IMAP server.
engine-test-server-closed = { $host } closed the connection.
engine-test-login-disabled = { $host } does not take a password on this connection.
engine-test-auth-failed = { $host } did not accept the password for { $user }.
engine-test-token-refused = { $host } did not accept the sign-in.
engine-test-oauth-not-offered = { $host } does not offer signing in through the browser.
engine-test-list-failed = { $host } accepted the password but would not list the folders.
engine-test-connection-lost = The connection to { $host } broke off.

## What to do about it.
engine-advice-name-service-silent = The name service did not answer: check the network connection.
engine-advice-check-host-name = Check the spelling of the server name { $host }; Mailbell can find the server from your address.
engine-advice-check-port-running = Check the port (IMAP is usually 993 with TLS or 143 with STARTTLS) and that the server { $host } is running.
engine-advice-check-firewall = Check the server name and port, and whether a firewall blocks the port.
engine-advice-check-network = Check the network connection (and VPN, if the server needs one).
engine-advice-check-host-and-port = Check the server name and port.
engine-advice-token-refused = Sign in again. If the server keeps refusing, the sign-in may lack access to mail.
engine-advice-provider-oauth = { $name } only lets you in by signing in through the browser.
engine-advice-provider-special-password = { $name } needs a special password for mail programs, not your usual one.
engine-advice-check-password = Check the user name and password (the user name is often the whole email address). Some providers need an app password for mail programs.
engine-advice-login-disabled = The server wants an encrypted connection before the password: use TLS (port 993) or STARTTLS (port 143).
engine-advice-use-password = Sign in with a password (or an app password) for this server instead.
engine-advice-list-failed = Try again later, or ask your provider.
engine-advice-certificate-expired = The server's certificate expired on { $date }: tell the server's administrator. Mailbell does not connect with an expired certificate.
engine-advice-certificate-name-mismatch = The certificate is for { $names }, not { $host }: use one of those names as the server, or ask the administrator.
engine-advice-trust-self-signed = If you trust this server, save this self-signed certificate or the CA that signed it as a PEM file and choose it as the account's CA file. Check the SHA-256 fingerprint with the server's administrator first.
engine-advice-trust-ca = If you trust this server, save the CA certificate that signed it as a PEM file and choose it as the account's CA file. Check the SHA-256 fingerprint with the server's administrator first.
engine-advice-choose-ca-file = Choose a PEM file holding the CA certificate (it starts with -----BEGIN CERTIFICATE-----).
engine-advice-starttls-not-offered = Without STARTTLS the password would travel unencrypted, so Mailbell does not sign in. Use TLS instead (usually port 993); choose plain only if you trust every network in between.
engine-advice-use-tls = Use TLS instead (usually port 993).
engine-advice-tls-wrong-port = Check the port: { $port } may not speak TLS from the first byte (port 143 usually wants STARTTLS).
engine-advice-tls-too-old = The server's encryption is too old or broken: Mailbell needs TLS 1.2 or later.
engine-advice-stopped-answering = Check the port, or try again later.
engine-advice-server-closed = The server's own words are under Details.
engine-advice-not-imap = Check the port (993 for TLS, 143 for STARTTLS) and the security mode.
engine-advice-connection-broke = Check the port and security mode, or try again.
engine-advice-try-again = Try again. If it keeps failing, check the server settings.

## Why no server was found for an address.
engine-discovery-not-found = Mailbell could not find the IMAP server for { $domain }: enter the server settings below (your provider's help pages list them).
engine-discovery-no-service = { $domain } says it offers no IMAP service: enter the server settings below if you know them.
engine-discovery-timed-out = Looking for the IMAP server of { $domain } took too long: enter the server settings below (your provider's help pages list them).
