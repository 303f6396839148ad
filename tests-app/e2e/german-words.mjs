// What the German runs (german.test.mjs, german-wizard.test.mjs) check the window for: the words
// of Mailbell's own that a person sees, without the mail's data and without the words from
// elsewhere that "Details" keeps on purpose (the server's, OpenSSL's, the engine's English).

/** English words of Mailbell's own that must not be left in the German window. Whole words,
 * case as written. (Mailbell, IMAP, TLS, INBOX, Push, Server, Port, Version, Webmail, Offline,
 * Details and Test are German too.) */
export const ENGLISH = [
  "Check", "Checking", "checked", "Sync", "Settings", "Accounts", "Account", "account", "New", "new", "mail", "Recent", "About",
  "Mark", "Archive", "Delete", "message", "messages", "folder", "folders", "unread", "Edit", "Add", "seen", "Seen", "Quiet",
  "hours", "Every", "Show", "Connected", "Up to date", "Watched", "Remove", "Open", "Notifications", "notifications",
  "Start", "Pause", "the", "and", "your", "you", "with", "not", "from", "From", "To", "Date", "Folder", "every", "min ago",
  "just now", "Close", "Undo", "What rings", "Important", "Muted", "Choose", "Loading", "Back",
  // The setup wizard's words: its steps' findings, a certificate's reasons, notes and attempts.
  "Encrypted", "encrypted", "verified", "issued by", "valid until", "Signed in", "signed in", "trust", "does not", "did not",
  "accept", "password", "Password", "certificate", "authority", "self-signed", "answered", "IMAP server", "found", "tried",
  "Continue", "Test connection", "user", "Sign-in", "sign in", "cannot", "could not", "It is", "It was",
];

/** The English words of ENGLISH in `text`. */
export function english(text) {
  return ENGLISH.filter((w) => new RegExp(`(^|[^\\p{L}])${w.replace(/ /g, "\\s+")}($|[^\\p{L}])`, "u").test(text));
}

/** Everything of Mailbell's own that the window says: text and the words of attributes (title,
 * aria-label, placeholder), without the mail's own data and "Details"' words from elsewhere. */
export const windowWords = (browser) =>
  browser.execute(() => {
    const root = document.getElementById("app").cloneNode(true);
    const mailData = [
      ".subject", ".sender", ".preview", ".meta .folder", ".meta .account", ".folder-name", "pre.command", ".facts-list dd",
      '[data-test="account"] .who h2', '[data-test="account-settings"] .who h2',
      '[data-test="watch"] .label', '[data-test="reader-subject"]', '[data-test="reader-from"]', '[data-test="reader-to"]',
      '[data-test="reader-cc"]', '[data-test="reader-date"]', '[data-test="reader-folder"]', '[data-test="reader-text"]',
      '[data-test="reader-frame"]', '[data-test="version"]',
      // Words from elsewhere, kept under "Details" on purpose; addresses and URLs.
      ".raw-words", ".attempt-target", ".source-where", ".url",
    ];
    for (const el of root.querySelectorAll(mailData.join(","))) el.remove();
    // The account's facts line: its server address, then Mailbell's words.
    for (const el of root.querySelectorAll('[data-test="account"] .who .facts, [data-test="account-settings"] .who .facts')) el.textContent = el.textContent.split(" · ").slice(2).join(" · ");
    const attrs = [...root.querySelectorAll("[title],[aria-label],[placeholder]")].flatMap((el) =>
      ["title", "aria-label", "placeholder"].map((a) => el.getAttribute(a)).filter((v) => v && !/@|example\.org|\.pem$|^\S+\.\S+$/.test(v)),
    );
    return [root.textContent, ...attrs].join("\n");
  });
