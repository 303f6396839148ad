# Die Ansicht „Über“ (ui/src/views/about.ts).

about-version = Version
about-version-line = Version { $version }
about-data-folder = Datenordner
about-log-file = Protokolldatei
about-tray-icon = Symbol im Benachrichtigungsfeld
about-tray-available = verfügbar
about-tray-missing = auf dieser Arbeitsumgebung nicht angezeigt
about-summary = Ein kleiner IMAP-Benachrichtiger für neue E-Mails. Er markiert auf dem Server nie etwas als gelesen, meldet keine Nachricht zweimal und kostet nichts, solange der Posteingang ruhig ist.
about-cli-title = Über die Befehlszeile
about-cli-hint = Konten werden unter Konten → Konto hinzufügen hinzugefügt oder in einem Terminal mit mailbell-cli (das Passwort kommt in Ihren Schlüsselbund, nie auf die Festplatte):
about-cli-shared = Die Befehlszeile und diese App nutzen denselben Datenordner und Schlüsselbund: Mailbell übernimmt ein neues Konto innerhalb weniger Sekunden.
