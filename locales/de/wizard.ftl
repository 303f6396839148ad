# Der Einrichtungsassistent (ui/src/views/wizard/).

wizard-title = Ein E-Mail-Konto hinzufügen
wizard-welcome = Willkommen bei Mailbell
wizard-welcome-text = Mailbell meldet Ihnen, wenn neue E-Mails eintreffen. Richten Sie das erste zu überwachende Konto ein.
wizard-steps = Schritte
wizard-step-address = Adresse
wizard-step-server = Anmelden
wizard-step-folders = Ordner
wizard-step-finish = Abschluss
wizard-cancel = Abbrechen
wizard-back = Zurück
wizard-continue = Weiter

wizard-address-title = Welches Konto soll Mailbell überwachen?
wizard-email = E-Mail-Adresse
wizard-email-placeholder = erika@example.org
wizard-name = Anzeigename
wizard-name-placeholder = z. B. Arbeit
wizard-name-hint = Wird in Mailbell anstelle der Adresse angezeigt.
wizard-skip = Einstellungen selbst eingeben
wizard-email-whole = Geben Sie Ihre vollständige E-Mail-Adresse ein, z. B. erika@example.org.
wizard-email-missing = Geben Sie die E-Mail-Adresse des Kontos ein.

wizard-sign-in-to = Bei { $email } anmelden
wizard-settings-found = Gefundene Einstellungen
wizard-host = IMAP-Server
wizard-host-placeholder = imap.example.org
wizard-port = Port
wizard-security = Verschlüsselung
wizard-username = Benutzername
wizard-ca-file = CA-Zertifikatsdatei
wizard-ca-file-placeholder = /home/sie/ca.pem
wizard-ca-file-hint = Für einen selbst betriebenen Server, dessen Zertifikat Ihre eigene Zertifizierungsstelle signiert hat: der vollständige Pfad zum Zertifikat dieser Stelle (PEM).
wizard-plain-warning = Ohne Verschlüsselung gehen Ihr Passwort und Ihre E-Mails für jeden auf dem Weg lesbar durch das Netz. Wählen Sie dies nur für einen Server auf diesem Computer oder in einem Netz, dem Sie voll vertrauen.
wizard-change = Ändern
wizard-nothing-found = Keine Einstellungen für { $domain } gefunden: Geben Sie sie unten ein.
wizard-enter-settings = Geben Sie die IMAP-Servereinstellungen Ihres Anbieters ein (seine Hilfeseiten nennen sie).
wizard-summary-user = Benutzer { $user }
wizard-summary-own-ca = eigene CA
wizard-attempts = Was versucht wurde

wizard-password = Passwort
wizard-password-hint = Wird in Ihrem Schlüsselbund gespeichert (nie auf der Festplatte), sobald das Konto hinzugefügt ist.
wizard-enter-password = Geben Sie das Passwort (oder App-Passwort) dieses Kontos ein.
wizard-sign-in = Anmelden
wizard-sign-in-with = Mit { $provider } anmelden
wizard-sign-in-with-instead = Stattdessen mit { $provider } anmelden
wizard-signed-in-with = ✓ Mit { $provider } angemeldet.
wizard-use-password = Stattdessen ein Passwort verwenden
wizard-use-oauth = Stattdessen im Browser anmelden
wizard-oauth-intro = { $provider } meldet E-Mail-Programme auf einer eigenen Seite in Ihrem Browser an: Mailbell sieht Ihr Passwort dort nie.
wizard-oauth-unavailable = Die Anmeldung über den Browser ist nicht verfügbar: { $reason }
wizard-oauth-try-again = Versuchen Sie es erneut oder verwenden Sie stattdessen ein Passwort.
wizard-test = Verbindung testen
wizard-test-passed = { $count ->
    [one] Verbunden: angemeldet als { $user }, { $count } Ordner gefunden.
   *[other] Verbunden: angemeldet als { $user }, { $count } Ordner gefunden.
}
wizard-how-to = So geht's:
wizard-help = Hilfe:

wizard-folders-title = Zu überwachende Ordner auswählen
wizard-folders-label = Zu überwachende Ordner
wizard-folders-hint = Mailbell meldet Ihnen neue E-Mails in diesen Ordnern. Spam, Papierkorb, Gesendet und Entwürfe bleiben außen vor, wenn Sie sie nicht auswählen.
wizard-folders-none = Wählen Sie mindestens einen zu überwachenden Ordner (üblich ist INBOX).

wizard-finish-title = Neue E-Mails abrufen
wizard-notifications = Desktop-Benachrichtigungen für neue E-Mails anzeigen
wizard-notifications-hint = Für alle Konten; Sie können das jederzeit in den Einstellungen ändern.
wizard-summary-account = Konto
wizard-summary-server = Server
wizard-summary-sign-in = Anmeldung
wizard-summary-folders = Ordner
wizard-summary-oauth = Mit { $provider }, im Browser
wizard-summary-password = Passwort, in Ihrem Schlüsselbund aufbewahrt
wizard-sign-in-first = Melden Sie sich zuerst an.

busy-looking-up = Einstellungen werden gesucht …
busy-adding = Wird hinzugefügt …
