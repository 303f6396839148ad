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
window-title-count = Mailbell ({ $count })
notice-account-added = { $account } ist hinzugefügt: Mailbell ruft es jetzt ab.
notice-account-removed = { $account } ist entfernt.

# Kurzmeldungen (ui/src/views/toast.ts): was eine Aktion mit einer Nachricht bewirkt hat.
acted-read = Auf dem Server als gelesen markiert.
acted-archive = Ins Archiv verschoben.
acted-delete = In den Papierkorb verschoben.
toast-undo = Rückgängig
toast-undone = Rückgängig gemacht.
toast-close = Schließen

# Teile, die mehrere Ansichten nutzen (ui/src/views/common.ts).
no-accounts-title = Noch kein E-Mail-Konto
no-accounts-text = Mailbell überwacht IMAP-Konten und meldet Ihnen, wenn neue E-Mails eintreffen. Fügen Sie das zu überwachende Konto hinzu: Mailbell findet seine Servereinstellungen und testet sie mit Ihnen.
no-accounts-add = Ein Konto hinzufügen
interval-field-label = Neue E-Mails abrufen alle
interval-field-hint = Wo der Server Push (IDLE) anbietet, erscheinen neue E-Mails im Posteingang sofort.
folder-rings = meldet
folder-rings-title = Bei neuen E-Mails in { $folder } melden
