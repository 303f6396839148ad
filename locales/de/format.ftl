# Zeiten, Zustände, Intervalle und Platzhalter (ui/src/format.ts).

time-yesterday = Gestern
ago-never = nie
ago-just-now = gerade eben
ago-minutes = vor { $count } Min.
ago-hours = vor { $count } Std.
ago-days = { $count ->
    [one] gestern
   *[other] vor { $count } Tagen
}
until-now = jetzt
until-seconds = in { $count } s
until-minutes = in { $count } Min.
until-hours = in { $count } Std.

state-up-to-date = Aktuell
state-checking = Wird abgerufen …
state-error = Fehler
state-not-checked = Noch nicht abgerufen
state-connected = Verbunden
state-connecting = Verbindung wird hergestellt …
state-sign-in-failed = Anmeldung fehlgeschlagen
state-offline = Offline
state-starting = Wird gestartet …

interval-seconds = { $count ->
    [one] { $count } Sekunde
   *[other] { $count } Sekunden
}
interval-minutes = { $count ->
    [one] { $count } Minute
   *[other] { $count } Minuten
}
interval-hours = { $count ->
    [one] { $count } Stunde
   *[other] { $count } Stunden
}

sender-unknown = Unbekannter Absender
subject-none = (kein Betreff)

# Ordner mit besonderer Verwendung (RFC 6154), neben einem Ordner gezeigt, dessen Name es nicht sagt.
special-all = Alle Nachrichten
special-archive = Archiv
special-drafts = Entwürfe
special-flagged = Markiert
special-junk = Spam
special-sent = Gesendet
special-trash = Papierkorb
