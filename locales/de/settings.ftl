# Einstellungen (ui/src/views/settings.ts).

settings-title = Einstellungen
settings-general = Allgemein
settings-notifications = Benachrichtigung anzeigen, wenn neue E-Mails eintreffen
settings-pause = Benachrichtigungen vorerst pausieren
settings-autostart = Mailbell beim Anmelden starten
settings-start-in-tray = Im Benachrichtigungsfeld starten (Fenster verborgen)
settings-start-in-tray-needs-tray = Zum Start im Benachrichtigungsfeld braucht es ein Symbol dort, um das Fenster zu öffnen.
settings-no-tray = Ihre Arbeitsumgebung zeigt keine Symbole im Benachrichtigungsfeld, daher läuft Mailbell in seinem Fenster und mit Benachrichtigungen weiter. Installieren Sie unter GNOME die Erweiterung AppIndicator (Paket gnome-shell-extension-appindicator), um das Symbol zu erhalten.
settings-account-rings = Bei neuen E-Mails in diesem Konto melden
settings-account-rings-off = (seine E-Mails werden weiter aufgeführt und gezählt)
settings-watched-folders = Überwachte Ordner
settings-folders-after-check = Ordner erscheinen nach dem ersten Abruf.
settings-open-in = Nachrichten öffnen in

# Pro Konto: seine eigenen Einstellungen stehen auf seiner Seite.
settings-account-on-page = Wie oft es abgerufen wird, ob es meldet, seine Ordner und worin sich seine Nachrichten öffnen: auf der Seite des Kontos.
settings-account-open = Kontoeinstellungen …
