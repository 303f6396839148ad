# Die Ansicht „Konten“ (ui/src/views/accounts.ts). „Abrufen“ ist das Verb für das Holen von E-Mails.

accounts-title = Konten
accounts-count = { $count ->
    [one] { $count } Konto
   *[other] { $count } Konten
}
accounts-add = Konto hinzufügen
# Wie Änderungen zwischen den Abrufen zu Mailbell kommen.
account-push-notify = { $count ->
    [one] Push (NOTIFY) für { $count } Ordner
   *[other] Push (NOTIFY) für { $count } Ordner
}
account-push-idle = { $count ->
    [one] Push (IDLE) für { $count } Ordner
   *[other] Push (IDLE) für { $count } Ordner
}
account-push-idle-swept = { $count ->
    [one] Push (IDLE) für { $count } Ordner, die anderen alle { $secs } s
   *[other] Push (IDLE) für { $count } Ordner, die anderen alle { $secs } s
}
# $when: „in 4 Min.“, „jetzt“
account-next-check = nächster Abruf { $when }
account-disabled = deaktiviert
account-check-now = Jetzt abrufen
account-edit = Bearbeiten
account-edit-title = Passwort, Ordner, Abrufintervall, Entfernen
account-no-folders = Noch keine Ordner: Sie erscheinen nach dem ersten Abruf.
account-none-watched = Kein Ordner wird überwacht: Wählen Sie welche unter „Bearbeiten“.
account-unwatched = { $count ->
    [one] { $count } Ordner wird nicht überwacht (Spam, Papierkorb, Gesendet …).
   *[other] { $count } Ordner werden nicht überwacht (Spam, Papierkorb, Gesendet …).
}
account-choose-folders = Ordner auswählen
account-sign-in-again = Erneut anmelden
account-sign-in-again-title = Auf der Seite des Anbieters anmelden, in Ihrem Browser

# $ago: „vor 5 Min.“, „gerade eben“
folder-checked-ago = { $ago } abgerufen
folder-not-checked = noch nicht abgerufen
folder-messages = { $count ->
    [one] { $count } Nachricht, { $unseen } ungelesen auf dem Server
   *[other] { $count } Nachrichten, { $unseen } ungelesen auf dem Server
}
folder-check = Abrufen
folder-check-title = { $folder } jetzt abrufen
folder-new-count = { $count } neu
