# Was mit einem Konto nicht stimmt, als Satz über die Lage des Benutzers (ui/src/problem.ts),
# der Hauptknopf, der es behebt, und die Zertifikatskarte des Kontos (ui/src/views/editor.ts).
# „abrufen“ ist das Verb für das Holen von E-Mails.

# Ersatz, wenn die Engine keinen Server oder Ordner nannte.
problem-the-server = der Server
problem-a-folder = einem Ordner
# Die Aufklappbox mit den Worten des Servers.
problem-details = Details
problem-auth-failed-user = { $host } hat das Passwort für { $user } nicht akzeptiert.
problem-auth-failed = { $host } hat das Passwort nicht akzeptiert.
problem-sign-in-again = Ihre Anmeldung bei { $host } ist abgelaufen. Melden Sie sich erneut an, um weiter E-Mails zu erhalten.
problem-password-missing = Mailbell hat für dieses Konto kein Passwort in Ihrem Schlüsselbund.
problem-keyring = Mailbell kann Ihren Schlüsselbund nicht verwenden, in dem es das Passwort aufbewahrt.
problem-cert-untrusted = Mailbell vertraut dem Zertifikat von { $host } nicht und hat Ihr Passwort deshalb nicht gesendet.
problem-cert-changed = Das Zertifikat von { $host } ist nicht das, dem Sie vertraut haben. Mailbell ruft dieses Konto nicht mehr ab, bis Sie es geprüft haben.
problem-ca-file = Das für dieses Konto gewählte CA-Zertifikat kann nicht verwendet werden.
problem-tls-failed = Mailbell konnte keine verschlüsselte Verbindung zu { $host } aufbauen.
problem-not-encrypted = { $host } würde Ihr Passwort nur unverschlüsselt annehmen, deshalb hat Mailbell es nicht gesendet.
problem-no-oauth = { $host } bietet keine Anmeldung über den Browser an.
problem-host-not-found = Es gibt keinen Server namens { $host }: Stimmt der Name?
problem-connection-refused = { $host } nimmt auf diesem Port keine Verbindungen an.
problem-timeout = { $host } hat nicht rechtzeitig geantwortet. Mailbell versucht es erneut.
problem-offline = Dieser Computer ist offline. Mailbell ruft wieder E-Mails ab, sobald das Netzwerk zurück ist.
problem-connection-lost = Die Verbindung zu { $host } wurde unterbrochen. Mailbell versucht es erneut.
problem-server-busy = { $host } kann gerade niemanden anmelden. Mailbell versucht es erneut.
problem-server-error = Der Server hat einen Fehler gemeldet.
problem-folder-failed = Mailbell konnte die E-Mails in { $folder } nicht abrufen.
problem-folder-gone = Den Ordner { $folder } gibt es auf dem Server nicht mehr.
problem-settings = Die Einstellungen dieses Kontos können nicht verwendet werden.
problem-other = Etwas ist schiefgegangen.

# Der Hauptknopf des Kontos, wenn sein Zustand den Benutzer braucht.
fix-enter-password = Passwort eingeben …
fix-review-certificate = Zertifikat prüfen …

# Die Zertifikatskarte auf der Seite des Kontos.
cert-card-title = Serverzertifikat
cert-use-ca-file = Eine CA-Zertifikatsdatei verwenden …
cert-choose-another-ca = Eine andere CA-Datei wählen …
cert-trust = Diesem Zertifikat vertrauen
cert-trust-hint = Vertrauen Sie ihm nur, wenn sein SHA-256-Fingerabdruck der ist, den Ihnen der Administrator des Servers nennt. Mailbell akzeptiert dann genau dieses Zertifikat von { $host } und ruft das Konto nicht mehr ab, falls der Server jemals ein anderes vorlegt.
# $sha256: der Fingerabdruck, 32 Paare hexadezimaler Ziffern
cert-had-trusted = Sie hatten dem Zertifikat mit SHA-256 { $sha256 } vertraut.
cert-pinned = Mailbell vertraut genau dem Zertifikat von { $host } mit SHA-256 { $sha256 }.
# $path: die Datei, die der Benutzer gewählt hat
cert-ca-file = Mailbell vertraut außerdem dem CA-Zertifikat in { $path }.
cert-forget = Nicht mehr vertrauen
cert-system-only = Nur die CAs des Systems verwenden
# Die Dateiauswahl der Arbeitsumgebung für ein CA-Zertifikat.
cert-chooser-title = CA-Zertifikat wählen
cert-chooser-filter = Zertifikate (PEM)
