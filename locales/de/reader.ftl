# Die Leseansicht (ui/src/views/reader.ts) und die Aktionen mit einer Nachricht.

action-read = Als gelesen markieren
action-archive = Archivieren
action-delete = Löschen
reader-back = ← Neue E-Mails
reader-loading = Die Nachricht wird geladen …
reader-open-in = In { $program } öffnen
reader-open-in-webmail = Im Webmail von { $webmail } öffnen
reader-open-with-command = Mit Ihrem Befehl öffnen
reader-open-in-none = Auf dieser Arbeitsumgebung ist kein E-Mail-Programm eingerichtet: Wählen Sie auf der Seite des Kontos, wo Nachrichten geöffnet werden (Konten → Bearbeiten).
reader-from = Von
reader-to = An
reader-cc = Kopie
reader-reply-to = Antwort an
reader-date = Datum
reader-folder = Ordner
reader-attachments = Anhänge
reader-attachment-no-name = (ohne Namen)
reader-truncated = Diese Nachricht ist zu groß, um sie hier ganz zu zeigen: Dies ist ihr Anfang. Öffnen Sie sie für den Rest in Ihrem E-Mail-Programm.
reader-remote-blocked = { $count ->
    [one] { $count } externes Bild ist blockiert: Es zu laden verrät dem Absender, dass Sie dies gelesen haben.
   *[other] { $count } externe Bilder sind blockiert: Sie zu laden verrät dem Absender, dass Sie dies gelesen haben.
}
reader-show-remote = Externe Bilder anzeigen
reader-frame-title = Die Nachricht
reader-link-mailto = Dieser Link schreibt an { $address }: Schreiben Sie aus Ihrem E-Mail-Programm.
reader-link-not-https = Mailbell öffnet nur https-Links; dieser ist keiner: { $url }
size-bytes = { $count ->
    [one] { $count } Byte
   *[other] { $count } Bytes
}
size-kb = { $size } KB
size-mb = { $size } MB
