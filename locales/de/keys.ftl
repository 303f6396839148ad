# Die Tastatur: Tastenkürzel (Liste unter „Über“, Tooltips) und was ein Kürzel gestartet hat.

# Der Name der Steuerungstaste auf deutschen Tastaturen.
keys-ctrl = Strg
keys-escape = Esc
keys-shortcuts-title = Tastenkürzel
keys-check = Alle Konten jetzt abrufen
keys-settings = Einstellungen
keys-escape-what = Nachricht oder Kontoseite schließen
keys-close = Fenster schließen (Mailbell läuft im Infobereich weiter)
keys-quit = Mailbell beenden
keys-arrows = Zwischen den Reitern und zwischen den Zeilen einer Liste wechseln; die Eingabetaste öffnet eine Zeile
# Von einem Bildschirmleser gesprochen, wenn F5 oder Strg+R einen Abruf startet.
keys-checking = Alle Konten werden jetzt abgerufen.
# Ein Tooltip: was eine Schaltfläche tut, und ihr Tastenkürzel.
keys-with-keys = { $label } ({ $keys })
