# Benachrichtigungen des Desktops (src-tauri/src/notify.rs).

notify-action-read = Als gelesen markieren
notify-action-archive = Archivieren
notify-action-delete = Löschen
notify-unknown-sender = Unbekannter Absender
notify-no-subject = (kein Betreff)
# Die letzte Zeile einer Zusammenfassung, die nur die neuesten nennt.
notify-and-more = und { $count } weitere
notify-burst-title = { $count ->
    [one] { $count } neue Nachricht · { $account }
   *[other] { $count } neue Nachrichten · { $account }
}
notify-late-title = { $count ->
    [one] { $count } Nachricht, während Mailbell beendet war · { $account }
   *[other] { $count } Nachrichten, während Mailbell beendet war · { $account }
}
notify-digest-title = { $count ->
    [one] Während der Ruhezeit: { $count } Nachricht
   *[other] Während der Ruhezeit: { $count } Nachrichten
}
