# The setup wizard (ui/src/views/wizard/).

wizard-title = Add a mail account
wizard-welcome = Welcome to Mailbell
wizard-welcome-text = Mailbell tells you when new mail arrives. Set up the first account to watch.
wizard-steps = Steps
wizard-step-address = Address
wizard-step-server = Sign in
wizard-step-folders = Folders
wizard-step-finish = Finish
wizard-cancel = Cancel
wizard-back = Back
wizard-continue = Continue

wizard-address-title = Which account should Mailbell watch?
wizard-email = Email address
wizard-email-placeholder = jane@example.org
wizard-name = Name to show
wizard-name-placeholder = e.g. Work
wizard-name-hint = Shown instead of the address in Mailbell.
wizard-skip = Enter the settings myself
wizard-email-whole = Enter your whole email address, e.g. jane@example.org.
wizard-email-missing = Enter the email address of the account.

wizard-sign-in-to = Sign in to { $email }
wizard-settings-found = Settings found
wizard-host = IMAP server
wizard-host-placeholder = imap.example.org
wizard-port = Port
wizard-security = Encryption
wizard-username = User name
wizard-ca-file = CA certificate file
wizard-ca-file-placeholder = /home/you/ca.pem
wizard-ca-file-hint = For a self-hosted server whose certificate your own certificate authority signed: the full path of that CA's certificate (PEM).
wizard-plain-warning = Without encryption, your password and your mail cross the network readable by anyone on the way. Choose this only for a server on this computer or on a network you fully trust.
wizard-change = Change
wizard-nothing-found = No settings found for { $domain }: enter them below.
wizard-enter-settings = Enter your provider's IMAP server settings (its help pages list them).
wizard-summary-user = user { $user }
wizard-summary-own-ca = own CA
wizard-attempts = What was tried

wizard-password = Password
wizard-password-hint = Stored in your keyring (never on disk) once the account is added.
wizard-enter-password = Enter the password (or app password) of this account.
wizard-sign-in = Sign in
wizard-sign-in-with = Sign in with { $provider }
wizard-sign-in-with-instead = Sign in with { $provider } instead
wizard-signed-in-with = ✓ Signed in with { $provider }.
wizard-use-password = Use a password instead
wizard-use-oauth = Sign in in the browser instead
wizard-oauth-intro = { $provider } signs mail programs in on its own page, in your browser: Mailbell never sees your password there.
wizard-oauth-unavailable = Signing in through the browser is not available: { $reason }
wizard-oauth-try-again = Try again, or use a password instead.
wizard-test = Test connection
wizard-test-passed = { $count ->
    [one] Connected: signed in as { $user }, { $count } folder found.
   *[other] Connected: signed in as { $user }, { $count } folders found.
}
wizard-how-to = How to:
wizard-help = Help:

wizard-folders-title = Choose the folders to watch
wizard-folders-label = Folders to watch
wizard-folders-hint = Mailbell tells you about new mail in these folders. Junk, Trash, Sent and Drafts are left out unless you choose them.
wizard-folders-none = Choose at least one folder to watch (INBOX is the usual one).

wizard-finish-title = Check for new mail
wizard-notifications = Show desktop notifications for new mail
wizard-notifications-hint = For every account; you can change it any time in Settings.
wizard-summary-account = Account
wizard-summary-server = Server
wizard-summary-sign-in = Sign-in
wizard-summary-folders = Folders
wizard-summary-oauth = With { $provider }, in the browser
wizard-summary-password = Password, kept in your keyring
wizard-sign-in-first = Sign in first.

busy-looking-up = Looking up the settings…
busy-adding = Adding…
