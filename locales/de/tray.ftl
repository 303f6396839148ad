# Menü und Kurzinfo des Symbols im Benachrichtigungsfeld (src-tauri/src/tray.rs).

tray-open = Mailbell öffnen
tray-check-now = Jetzt abrufen
tray-pause = Benachrichtigungen pausieren
tray-quit = Mailbell beenden
tray-tooltip = { $count ->
    [0] Mailbell: keine neuen E-Mails
    [one] Mailbell: { $count } neue
   *[other] Mailbell: { $count } neue
}
tray-tooltip-paused = Benachrichtigungen pausiert
# Ein Konto, das auf den Benutzer wartet, als Menüeintrag.
tray-account-sign-in = { $account }: erneut anmelden
tray-account-attention = { $account }: braucht Aufmerksamkeit
