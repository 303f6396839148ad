# Der Editor eines Kontos (ui/src/views/editor.ts).

editor-back = ← Konten
editor-card-sign-in = Anmeldung
editor-card-password = Passwort
editor-card-checking = Abrufen
editor-card-remove = Entfernen
editor-new-password = Neues Passwort
editor-new-password-hint = Geben Sie das Passwort ein, das der Server jetzt erwartet (eine Änderung hier ändert es nicht auf dem Server). Es wird vor dem Speichern getestet.
editor-enter-new-password = Geben Sie das neue Passwort ein.
editor-test-and-save = Testen und speichern
editor-password-saved = Passwort in Ihrem Schlüsselbund gespeichert: Mailbell meldet sich ab jetzt damit an.
editor-sign-in-ended = Die Anmeldung bei { $provider } ist abgelaufen.
editor-signed-in-as = Bei { $provider } angemeldet als { $user }.
editor-sign-in-hint = Mailbell behält nur das Token der Anmeldung, in Ihrem Schlüsselbund: Ihr Passwort bleibt bei { $provider }. Wenn { $provider } die Anmeldung beendet (nach einer Passwortänderung oder wenn dort der Zugriff von Mailbell entfernt wird), melden Sie sich hier erneut an.
editor-signed-in-again = Erneut angemeldet: Mailbell ruft das Konto jetzt ab.
editor-try-again = Versuchen Sie es erneut, wenn Sie bereit sind.
editor-remove-hint = Dieses Konto nicht mehr überwachen und vergessen.
editor-remove-account-ellipsis = Konto entfernen …
editor-remove-account = Konto entfernen
editor-keep = Behalten
editor-remove-question = Dieses Konto aus Mailbell entfernen?
editor-remove-stops = Mailbell überwacht es nicht mehr.
editor-remove-password = Sein Passwort wird aus Ihrem Schlüsselbund gelöscht.
editor-remove-sign-in = Seine Anmeldung wird aus Ihrem Schlüsselbund gelöscht.
editor-remove-sign-in-revoked = Seine Anmeldung wird bei { $provider } widerrufen und aus Ihrem Schlüsselbund gelöscht.
editor-remove-stored = Die Nachrichten, die Mailbell dafür gespeichert hat, werden von diesem Computer entfernt.
editor-remove-server-unchanged = Auf dem Mailserver ändert sich nichts: Ihre E-Mails bleiben, wo sie sind.

# Die Beschriftung eines Knopfes, während seine Aktion läuft.
busy-signing-in = Anmeldung läuft …
busy-testing = Wird getestet …
busy-saving = Wird gespeichert …
busy-removing = Wird entfernt …
