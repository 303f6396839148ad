# Anmeldung im Browser (ui/src/views/signin.ts).

signin-label = Anmeldung im Browser
signin-waiting = Warten, bis Sie sich in Ihrem Browser angemeldet haben …
signin-intro = Die Anmeldeseite von { $provider } öffnet sich in Ihrem Browser. Falls nicht, öffnen Sie diesen Link in einem Browser:
signin-preparing = Die Anmeldeseite wird vorbereitet …
signin-open-again = Erneut öffnen
signin-open-again-title = Die Anmeldeseite erneut in Ihrem Browser öffnen
signin-copy-link = Link kopieren
signin-copy-link-title = Den Link kopieren, um ihn selbst in einem Browser zu öffnen
