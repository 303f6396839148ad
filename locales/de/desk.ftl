# Die App auf dem Desktop: Benachrichtigungston (Einstellungen).
desk-sound = Einen Ton abspielen, wenn neue E-Mails eintreffen
