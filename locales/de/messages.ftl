# Neue E-Mails und Zuletzt (ui/src/views/messages.ts, recent.ts).

messages-title = Neue E-Mails
# Die Zahl über der Liste: alle aufgeführten Nachrichten, und wie viele noch nicht angesehen sind.
messages-count-all-new = { $count ->
    [one] { $count } neue Nachricht
   *[other] { $count } neue Nachrichten
}
messages-count-some-new = { $count } Nachrichten, { $unviewed } noch nicht angesehen
messages-count-all-seen = { $count ->
    [one] { $count } Nachricht, angesehen
   *[other] { $count } Nachrichten, alle angesehen
}
messages-mark-all-seen = Alle als angesehen markieren
messages-empty-title = Keine neuen E-Mails
messages-empty-text = E-Mails, die ab jetzt eintreffen, erscheinen hier, die neueste zuerst, bis Sie sie in Ihrem E-Mail-Programm lesen oder löschen („Zuletzt“ behält sie). E-Mails, die schon in Ihren Ordnern lagen, als Mailbell zum ersten Mal nachsah, sind nicht neu und werden daher nicht aufgeführt.
messages-empty-hint = Mailbell ruft alle paar Minuten ab, und sofort, wo der Server neue E-Mails meldet (IDLE).
message-dot-seen = angesehen
message-dot-new = neu

recent-title = Zuletzt
recent-count = Höchstens die letzten { $limit } Nachrichten, mit dem, was aus ihnen wurde
recent-empty-title = Noch nichts
recent-empty-text = E-Mails, die ab jetzt eintreffen, erscheinen hier und bleiben, auch wenn Sie sie lesen oder löschen.
recent-state-new = Neu
recent-state-new-hint = Auf dem Server ungelesen und in Mailbell noch nicht angesehen
recent-state-viewed = In Mailbell angesehen
recent-state-viewed-hint = Auf dem Server ungelesen; Sie haben sie in Mailbell angesehen
recent-state-read = Gelesen
recent-state-read-hint = Auf dem Server gelesen, hier oder in einem anderen E-Mail-Programm
recent-state-deleted = Auf dem Server gelöscht
recent-state-deleted-hint = Nicht mehr auf dem Server (gelöscht oder verschoben)
