# Der Rahmen des Fensters (ui/src/main.ts): Reiter, obere Leiste, Titel, Hinweise.

tab-new-mail = Neue E-Mails
tab-recent = Zuletzt
tab-accounts = Konten
tab-settings = Einstellungen
tab-about = Über
tab-account-error = Ein Konto hat einen Fehler
topbar-paused = Benachrichtigungen pausiert
topbar-paused-title = Benachrichtigungen sind pausiert: zum Fortsetzen klicken
topbar-check-all = Alle abrufen
