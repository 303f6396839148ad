# „Öffnen in …“, die Wahl eines Kontos (ui/src/views/openin.ts).

open-in-hint = Wohin „Öffnen in …“ in der Leseansicht eine Nachricht dieses Kontos bringt.
open-in-mail-program = Ihr E-Mail-Programm
open-in-mail-program-named = Ihr E-Mail-Programm ({ $program })
open-in-mail-program-none = Ihr E-Mail-Programm (auf dieser Arbeitsumgebung ist keines eingerichtet)
open-in-webmail = Webmail
open-in-webmail-named = Webmail von { $webmail }, in Ihrem Browser
open-in-webmail-none = Webmail (Mailbell kennt keines für diesen Anbieter)
open-in-command = Ein eigener Befehl
open-in-command-label = Ihr Befehl
open-in-command-hint = Wird wie in einer Shell in Wörter zerlegt, aber keine Shell führt ihn aus. Die Nachricht kommt in Umgebungsvariablen: MAILBELL_ACCOUNT, MAILBELL_FOLDER, MAILBELL_UID, MAILBELL_UIDVALIDITY, MAILBELL_MESSAGE_ID, MAILBELL_SUBJECT, MAILBELL_FROM.
open-in-save = Speichern
open-in-saved = Gespeichert.
