# Die Worte der Engine im Einrichtungsassistenten und im Kontoeditor (ui/src/engine-words.ts):
# der Fehler eines Feldes, und was beim Verbindungstest schiefging und was zu tun ist.
# „Abrufen“ ist das Verb für das Holen von E-Mails.

## Der Wert eines Feldes, der nicht verwendet werden kann.
engine-field-email-missing = Geben Sie Ihre vollständige E-Mail-Adresse ein, z. B. erika@example.org.
engine-field-email-invalid = „{ $value }“ ist keine E-Mail-Adresse. Sie sieht aus wie name@domain, z. B. erika@example.org.
engine-field-host-missing = Geben Sie den Namen des IMAP-Servers ein, z. B. imap.example.org.
engine-field-host-invalid = „{ $value }“ ist kein Servername: Geben Sie nur den Namen ein, z. B. imap.example.org.
engine-field-fingerprint-invalid = „{ $value }“ ist kein SHA-256-Fingerabdruck: Er hat 64 Hexadezimalziffern (Doppelpunkte sind optional).
engine-field-username-missing = Geben Sie den Benutzernamen ein (meist Ihre vollständige E-Mail-Adresse).
engine-field-password-missing = Geben Sie das Passwort (oder App-Passwort) dieses Kontos ein.
engine-field-port-zero = 0 ist kein Port: Verwenden Sie 993 für TLS oder 143 für STARTTLS.
engine-field-ca-file-not-absolute = Geben Sie den vollständigen Pfad des CA-Zertifikats an, z. B. /home/sie/ca.pem.
engine-field-ca-file-unusable = Diese Datei kann nicht als CA-Zertifikat verwendet werden.
engine-field-no-folders = Wählen Sie mindestens einen Ordner zum Beobachten (meist INBOX).
engine-field-interval-too-short = { $value } Sekunden sind zu kurz: Rufen Sie höchstens alle { $min } Sekunden ab.
engine-field-already-set-up = Dieses Konto ist schon eingerichtet: Ändern Sie es stattdessen unter „Konten“.

## Was beim Verbindungstest schiefging.
engine-test-host-not-found = Es gibt keinen Server namens { $host }.
engine-test-connection-refused = { $host } nimmt auf Port { $port } keine Verbindungen an.
engine-test-timed-out = { $host } hat auf Port { $port } nicht rechtzeitig geantwortet.
engine-test-network-unreachable = Dieser Computer kann { $host } nicht erreichen.
engine-test-untrusted-certificate = Mailbell vertraut dem Zertifikat von { $host } nicht und hat Ihr Passwort deshalb nicht gesendet.
engine-test-tls-failed = Mailbell konnte keine verschlüsselte Verbindung zu { $host } herstellen.
engine-test-ca-file-unusable = Das für dieses Konto gewählte CA-Zertifikat kann nicht verwendet werden.
engine-test-starttls-not-offered = { $host } bietet kein STARTTLS an.
engine-test-starttls-refused = { $host } hat STARTTLS abgelehnt.
engine-test-not-imap = Unter { $host } antwortet auf Port { $port } etwas, aber nicht wie ein IMAP-Server.
engine-test-server-closed = { $host } hat die Verbindung geschlossen.
engine-test-login-disabled = { $host } nimmt auf dieser Verbindung kein Passwort an.
engine-test-auth-failed = { $host } hat das Passwort für { $user } nicht angenommen.
engine-test-token-refused = { $host } hat die Anmeldung nicht angenommen.
engine-test-oauth-not-offered = { $host } bietet keine Anmeldung über den Browser an.
engine-test-list-failed = { $host } hat das Passwort angenommen, aber die Ordner nicht aufgelistet.
engine-test-connection-lost = Die Verbindung zu { $host } ist abgebrochen.

## Was zu tun ist.
engine-advice-name-service-silent = Der Namensdienst hat nicht geantwortet: Prüfen Sie die Netzwerkverbindung.
engine-advice-check-host-name = Prüfen Sie die Schreibweise des Servernamens { $host }; Mailbell kann den Server anhand Ihrer Adresse finden.
engine-advice-check-port-running = Prüfen Sie den Port (IMAP ist meist 993 mit TLS oder 143 mit STARTTLS) und ob der Server { $host } läuft.
engine-advice-check-firewall = Prüfen Sie Servername und Port, und ob eine Firewall den Port sperrt.
engine-advice-check-network = Prüfen Sie die Netzwerkverbindung (und das VPN, falls der Server eines braucht).
engine-advice-check-host-and-port = Prüfen Sie Servername und Port.
engine-advice-token-refused = Melden Sie sich erneut an. Lehnt der Server weiter ab, fehlt der Anmeldung vielleicht der Zugriff auf E-Mails.
engine-advice-provider-oauth = { $name } lässt Sie nur mit einer Anmeldung über den Browser hinein.
engine-advice-provider-special-password = { $name } braucht für E-Mail-Programme ein eigenes Passwort, nicht Ihr übliches.
engine-advice-check-password = Prüfen Sie Benutzername und Passwort (der Benutzername ist oft die vollständige E-Mail-Adresse). Manche Anbieter verlangen für E-Mail-Programme ein App-Passwort.
engine-advice-login-disabled = Der Server verlangt vor dem Passwort eine verschlüsselte Verbindung: Verwenden Sie TLS (Port 993) oder STARTTLS (Port 143).
engine-advice-use-password = Melden Sie sich stattdessen mit einem Passwort (oder App-Passwort) für diesen Server an.
engine-advice-list-failed = Versuchen Sie es später erneut, oder fragen Sie Ihren Anbieter.
engine-advice-certificate-expired = Das Zertifikat des Servers ist am { $date } abgelaufen: Sagen Sie es dem Administrator des Servers. Mailbell verbindet sich nicht mit einem abgelaufenen Zertifikat.
engine-advice-certificate-name-mismatch = Das Zertifikat gilt für { $names }, nicht für { $host }: Verwenden Sie einen dieser Namen als Server, oder fragen Sie den Administrator.
engine-advice-trust-self-signed = Wenn Sie diesem Server vertrauen, speichern Sie dieses selbst signierte Zertifikat oder die CA, die es signiert hat, als PEM-Datei und wählen Sie sie als CA-Datei des Kontos. Prüfen Sie vorher den SHA-256-Fingerabdruck mit dem Administrator des Servers.
engine-advice-trust-ca = Wenn Sie diesem Server vertrauen, speichern Sie das CA-Zertifikat, das es signiert hat, als PEM-Datei und wählen Sie es als CA-Datei des Kontos. Prüfen Sie vorher den SHA-256-Fingerabdruck mit dem Administrator des Servers.
engine-advice-choose-ca-file = Wählen Sie eine PEM-Datei mit dem CA-Zertifikat (sie beginnt mit -----BEGIN CERTIFICATE-----).
engine-advice-starttls-not-offered = Ohne STARTTLS ginge das Passwort unverschlüsselt über das Netz, deshalb meldet sich Mailbell nicht an. Verwenden Sie stattdessen TLS (meist Port 993); wählen Sie „Keine“ nur, wenn Sie jedem Netz dazwischen vertrauen.
engine-advice-use-tls = Verwenden Sie stattdessen TLS (meist Port 993).
engine-advice-tls-wrong-port = Prüfen Sie den Port: { $port } spricht vielleicht nicht vom ersten Byte an TLS (Port 143 will meist STARTTLS).
engine-advice-tls-too-old = Die Verschlüsselung des Servers ist zu alt oder fehlerhaft: Mailbell braucht TLS 1.2 oder neuer.
engine-advice-stopped-answering = Prüfen Sie den Port, oder versuchen Sie es später erneut.
engine-advice-server-closed = Die Worte des Servers stehen unter „Details“.
engine-advice-not-imap = Prüfen Sie den Port (993 für TLS, 143 für STARTTLS) und die Sicherheitsart.
engine-advice-connection-broke = Prüfen Sie Port und Sicherheitsart, oder versuchen Sie es erneut.
engine-advice-try-again = Versuchen Sie es erneut. Scheitert es weiter, prüfen Sie die Servereinstellungen.

## Warum für eine Adresse kein Server gefunden wurde.
engine-discovery-not-found = Mailbell konnte den IMAP-Server für { $domain } nicht finden: Geben Sie die Servereinstellungen unten ein (die Hilfeseiten Ihres Anbieters nennen sie).
engine-discovery-no-service = { $domain } gibt an, keinen IMAP-Dienst anzubieten: Geben Sie die Servereinstellungen unten ein, wenn Sie sie kennen.
engine-discovery-timed-out = Die Suche nach dem IMAP-Server von { $domain } hat zu lange gedauert: Geben Sie die Servereinstellungen unten ein (die Hilfeseiten Ihres Anbieters nennen sie).
