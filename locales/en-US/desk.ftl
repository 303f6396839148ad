# The app on the desktop: notification sound (Settings).
desk-sound = Play a sound when new mail arrives
