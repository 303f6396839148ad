# Die Worte der Engine bei der Einrichtung, die keine Feldfehler oder Ratschläge sind
# (ui/src/engine-words.ts): was jeder Schritt des Verbindungstests gefunden hat, warum einem
# Zertifikat nicht vertraut wird, die Hinweise zu einem Anbieter oder einem gefundenen Server,
# was die Suche versucht hat; und die Fehler der Anmeldung im Browser (src-tauri/src/signin.rs).
# Das Englisch der Engine bleibt unter „Details“.

## Was ein Schritt des Verbindungstests gefunden hat.
step-found-connected = Verbunden mit { $address }.
step-found-answered = Verbunden mit { $address }; ein IMAP-Server hat geantwortet.
step-found-tls = Mit TLS verschlüsselt; Zertifikat geprüft: { $subject }, ausgestellt von { $issuer }, gültig bis { $date }.
step-found-starttls = Mit STARTTLS verschlüsselt; Zertifikat geprüft: { $subject }, ausgestellt von { $issuer }, gültig bis { $date }.
step-found-tls-unread = Mit TLS verschlüsselt; Zertifikat geprüft.
step-found-starttls-unread = Mit STARTTLS verschlüsselt; Zertifikat geprüft.
step-found-not-encrypted = Nicht verschlüsselt: Sie haben keine Verschlüsselung gewählt, das Passwort wird also im Klartext übertragen.
step-found-signed-in = Angemeldet als { $user }.
step-found-folders = { $count ->
    [one] { $count } Ordner.
   *[other] { $count } Ordner.
}

## Warum dem Zertifikat eines Servers nicht vertraut wird.
cert-not-trusted = Mailbell vertraut dem Zertifikat von { $host } nicht.
cert-why-self-signed = Es ist selbst signiert: Keine Zertifizierungsstelle bürgt dafür.
cert-why-unknown-issuer = Es wurde von einer Zertifizierungsstelle ausgestellt, der dieser Computer nicht vertraut.
cert-why-expired = Es ist abgelaufen.
cert-why-not-yet-valid = Es ist noch nicht gültig.
cert-why-name-mismatch = Es wurde für einen anderen Servernamen ausgestellt.
cert-why-revoked = Sein Aussteller hat es widerrufen.
cert-why-not-pinned = Es ist nicht das Zertifikat, dem Sie für dieses Konto vertraut haben.
cert-why-other = Es konnte nicht überprüft werden.

## Was die Kunden eines Anbieters wissen müssen.
provider-note-gmail = Google lässt Mailprogramme nur mit einem App-Passwort (dafür ist die Bestätigung in zwei Schritten nötig) oder mit der Anmeldung im Browser zu; Ihr gewohntes Google-Passwort funktioniert nicht.
provider-note-outlook = Microsoft lässt Mailprogramme nur mit der Anmeldung im Browser zu, nie mit einem Passwort.
provider-note-yahoo = Yahoo lässt Mailprogramme nur mit einem App-Passwort zu, das Sie in den Sicherheitseinstellungen Ihres Kontos erstellen.
provider-note-icloud = iCloud verlangt ein app-spezifisches Passwort (bei eingeschalteter Zwei-Faktor-Authentifizierung). Der Benutzername ist meist der Teil vor dem @; klappt das nicht, versuchen Sie die ganze Adresse.
provider-note-fastmail = Fastmail verlangt für jedes Mailprogramm ein App-Passwort.
provider-note-gmx = Schalten Sie zuerst in den Web-Einstellungen von GMX „POP3/IMAP Abruf“ ein; mit Zwei-Faktor-Authentifizierung verwenden Sie ein App-Passwort.
provider-note-webde = Schalten Sie zuerst in den Web-Einstellungen von WEB.DE „POP3/IMAP-Abruf“ ein; mit Zwei-Faktor-Authentifizierung verwenden Sie ein App-Passwort.
provider-note-mailbox-org = Ihr mailbox.org-Passwort funktioniert; mit Zwei-Faktor-Authentifizierung verwenden Sie ein App-Passwort.
provider-note-posteo = Ihr Posteo-Passwort funktioniert; mit Zwei-Faktor-Authentifizierung verwenden Sie ein App-Passwort.
provider-note-aol = AOL lässt Mailprogramme nur mit einem App-Passwort zu, das Sie auf der Sicherheitsseite Ihres Kontos erstellen.
provider-note-zoho = Schalten Sie zuerst in den Einstellungen von Zoho Mail den IMAP-Zugriff ein; mit Zwei-Faktor-Authentifizierung verwenden Sie ein anwendungsspezifisches Passwort.
provider-note-proton-bridge = Proton Mail erreichen Sie über Proton Mail Bridge auf diesem Computer: Verwenden Sie das Passwort, das Bridge anzeigt (nicht Ihr Proton-Passwort), und vertrauen Sie dem Zertifikat von Bridge (exportieren Sie es aus Bridge und wählen Sie es als CA-Datei).

## Was man über einen gefundenen Server wissen muss.
note-not-encrypted = Dieser Server wird ohne Verschlüsselung angeboten: Das Passwort würde im Klartext übertragen.
note-untrusted-certificate = Ein IMAP-Server hat geantwortet, aber Mailbell vertraut seinem Zertifikat nicht: Der Verbindungstest zeigt das Zertifikat und wie Sie ihm vertrauen können.
note-oauth-only = Dieser Server nimmt nur die Anmeldung im Browser (OAuth2) an, kein Passwort.
note-encrypted-password = Dieser Server verlangt einen verschlüsselten Passwortaustausch (CRAM-MD5); Mailbell sendet das Passwort stattdessen über eine verschlüsselte Verbindung, was der Server ablehnen kann.
note-unusable-sign-in = Dieser Server nennt nur Anmeldeverfahren, die Mailbell nicht verwendet ({ $methods }).

## Was die Suche versucht hat, und mit welchem Ergebnis.
attempt-source-builtin = Mailbells Liste der Anbieter
attempt-source-autoconfig = Autoconfig
attempt-source-ispdb = ISPDB von Thunderbird
attempt-source-srv = DNS-SRV
attempt-source-guess = Geraten
attempt-not-in-table = kein Anbieter, den Mailbell kennt
attempt-provider = { $name } ({ $server })
attempt-servers = { $count ->
    [one] { $count } IMAP-Server
   *[other] { $count } IMAP-Server
}
attempt-no-imap-server = kein brauchbarer IMAP-Server darin
attempt-unreadable = konnte nicht abgerufen oder gelesen werden
attempt-targets = verweist auf { $servers }
attempt-no-service = sagt, es gibt keinen IMAP-Dienst
attempt-no-record = kein Eintrag
attempt-lookup-failed = der Name konnte nicht aufgelöst werden
attempt-imap-answered = ein IMAP-Server hat geantwortet
attempt-untrusted = ein IMAP-Server hat geantwortet; seinem Zertifikat wird nicht vertraut
attempt-no-answer = kein IMAP-Server hat geantwortet

## Der Wert eines Feldes, den nur das Englisch der Engine beschreibt.
engine-field-other = Dieser Wert kann nicht verwendet werden.
engine-field-unknown-quirk = Mailbell kennt die Server-Besonderheit „{ $value }“ nicht.

## Bei der Anmeldung im Browser ist etwas schiefgegangen.
signin-error-config = Die Anmeldeeinstellungen für diesen Anbieter können nicht verwendet werden.
signin-error-listener = Mailbell konnte auf diesem Computer nicht auf die Antwort des Browsers warten.
signin-error-timed-out = { $minutes ->
    [one] Innerhalb einer Minute kam keine Antwort vom Browser: Melden Sie sich erneut an.
   *[other] Innerhalb von { $minutes } Minuten kam keine Antwort vom Browser: Melden Sie sich erneut an.
}
signin-error-denied = Die Anmeldung wurde abgelehnt.
signin-error-unreachable = Mailbell erreicht den Anmeldeserver { $server } nicht.
signin-error-sign-in-again = Die Anmeldung ist abgelaufen oder wurde zurückgezogen: Melden Sie sich erneut an.
signin-error-refused = Der Anmeldeserver hat die Anfrage abgelehnt.
signin-error-bad-answer = Der Anmeldeserver hat eine Antwort gegeben, mit der Mailbell nichts anfangen kann.
signin-error-not-offered = Dieser Server bietet keine Anmeldung im Browser an: Verwenden Sie sein Passwort.
signin-error-run-out = Die Anmeldung ist abgelaufen: Melden Sie sich erneut an.
signin-no-client = Diese Mailbell-Version hat keine Anmeldung bei { $provider } registriert: Verwenden Sie ein App-Passwort.
signin-error-cancelled = Anmeldung abgebrochen.
