# Die eigenen Fehler der App, wie das Fenster sie zeigt (src-tauri: commands.rs, open_in.rs,
# setup.rs, signin.rs, bridge.rs). $reason sind die Worte des Systems oder der Engine.

error-interval-too-short = Das Intervall muss mindestens { $secs } Sekunden betragen.
error-no-such-folder = In diesem Konto gibt es keinen Ordner „{ $folder }“.
error-no-such-account = Es gibt kein Konto „{ $account }“ (schon entfernt?).
error-autostart = Mailbell konnte nicht ändern, ob es beim Anmelden startet: { $reason }
error-no-webmail = Mailbell kennt kein Webmail für den Anbieter dieses Kontos.
error-no-webmail-choose = Mailbell kennt kein Webmail für den Anbieter dieses Kontos: Wählen Sie in den Einstellungen einen anderen Weg.
error-browser = Der Browser konnte nicht gestartet werden: { $reason }
error-no-mail-program = Auf dieser Arbeitsumgebung ist kein Standard-E-Mail-Programm eingerichtet (nichts öffnet mailto:-Links). Richten Sie eines in den Einstellungen Ihrer Arbeitsumgebung ein oder wählen Sie in den Einstellungen Webmail oder einen Befehl.
error-command-cannot-run = Ihr Befehl für „Öffnen in“ kann nicht laufen: { $reason }.
error-no-program = Es gibt kein Programm zum Starten.
error-program-not-started = { $program } konnte nicht gestartet werden: { $reason }
error-not-an-address = Das ist keine E-Mail-Adresse: { $reason }.
error-sign-in-over = Diese Anmeldung ist vorbei: Starten Sie sie erneut.
error-https-only = Es werden nur https-Links geöffnet.
error-not-oauth = Das Konto „{ $account }“ meldet sich nicht im Browser an.
error-keyring = Mailbell kann keine Passwörter lesen: { $reason }

# Eine Regel von „Was meldet“, die nicht gespeichert werden kann ($n zählt Ruhezeiten ab 1).
error-rules-bad-start = Ruhezeit { $n }: Die Anfangszeit „{ $value }“ ist keine Uhrzeit wie 22:00 (00:00 bis 23:59).
error-rules-bad-end = Ruhezeit { $n }: Die Endzeit „{ $value }“ ist keine Uhrzeit wie 22:00 (00:00 bis 23:59).
error-rules-no-day = Ruhezeit { $n }: Wählen Sie mindestens einen Tag.
error-rules-bad-important = Wichtig: „{ $entry }“ ist weder eine Adresse (erika@example.org) noch eine Domain (example.org).
error-rules-bad-muted = Stummgeschaltet: „{ $entry }“ ist weder eine Adresse (erika@example.org), eine Domain (example.org) noch eine Mailingliste (list:news.example.org).
