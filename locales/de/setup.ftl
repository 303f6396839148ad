# Gemeinsame Teile der Kontoeinrichtung (ui/src/setup.ts, ui/src/views/form.ts).

field-optional = (optional)
password-show = Anzeigen
password-hide = Verbergen
copy = Kopieren
copy-done = Kopiert
copy-press-ctrl-c = Strg+C drücken
link-open-in-browser = In Ihrem Browser öffnen
link-copy-title = Adresse kopieren

cert-title = Dem Zertifikat des Servers wird nicht vertraut
cert-subject = Inhaber
cert-issuer = Aussteller
cert-valid = Gültig
cert-valid-range = { $from } bis { $to }
cert-names = Namen
cert-why = Grund
cert-self-signed = selbst signiert
cert-expired = abgelaufen
cert-not-yet-valid = noch nicht gültig

step-list-label = Verbindungstest
step-connect = Mit dem Server verbinden
step-secure = Verbindung absichern
step-authenticate = Anmelden
step-list-folders = Ordner auflisten
# Ein Schritt des Verbindungstests für Bildschirmleser: „Anmelden: erledigt“.
step-aria = { $step }: { $state }
step-state-pending = wartet
step-state-running = läuft
step-state-ok = erledigt
step-state-failed = fehlgeschlagen
step-state-skipped = übersprungen

setup-test-failed = Der Verbindungstest ist fehlgeschlagen.
setup-cert-advice = Wenn Sie diesem Server vertrauen: Geben Sie oben unter „CA-Zertifikatsdatei“ die Zertifikatsdatei (PEM) der Stelle an, die es signiert hat (eingetippt oder mit „Eine CA-Zertifikatsdatei verwenden …“), und testen Sie erneut, oder vertrauen Sie unten genau diesem Zertifikat. Prüfen Sie vorher den SHA-256-Fingerabdruck mit dem Administrator des Servers.
setup-cert-advice-self-signed = Wenn Sie diesem Server vertrauen: Vertrauen Sie unten genau diesem selbst signierten Zertifikat, oder geben Sie oben unter „CA-Zertifikatsdatei“ seine Datei (PEM) an (eingetippt oder mit „Eine CA-Zertifikatsdatei verwenden …“) und testen Sie erneut. Prüfen Sie vorher den SHA-256-Fingerabdruck mit dem Administrator des Servers.
setup-enter-host = Geben Sie den Namen des IMAP-Servers ein, z. B. imap.example.org.
setup-enter-port = Geben Sie eine Portnummer zwischen 1 und 65535 ein: 993 für TLS, 143 für STARTTLS.
setup-enter-username = Geben Sie den Benutzernamen ein (meist Ihre vollständige E-Mail-Adresse).
setup-folder-counts = { $count ->
    [one] { $count } Nachricht
   *[other] { $count } Nachrichten
}
setup-folder-counts-unread = { $count ->
    [one] { $count } Nachricht, { $unseen } ungelesen
   *[other] { $count } Nachrichten, { $unseen } ungelesen
}

source-builtin = Eingebaute Einstellungen für { $provider }
source-autoconfig = Über Autoconfig gefunden
source-ispdb = In der Anbieterdatenbank von Thunderbird gefunden
source-srv = Über den DNS-Eintrag gefunden
source-guess = Geraten: { $host } antwortet auf Port { $port }

security-tls = TLS (von Anfang an verschlüsselt)
security-starttls = STARTTLS (nach dem Verbinden verschlüsselt)
security-plain = Keine: unverschlüsselt
