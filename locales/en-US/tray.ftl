# The tray icon's menu and tooltip (src-tauri/src/tray.rs).

tray-open = Open Mailbell
tray-check-now = Check now
tray-pause = Pause notifications
tray-quit = Quit Mailbell
tray-tooltip = { $count ->
    [0] Mailbell: no new mail
   *[other] Mailbell: { $count } new
}
tray-tooltip-paused = notifications paused
# An account that waits for the user, as a menu item.
tray-account-sign-in = { $account }: sign in again
tray-account-attention = { $account }: needs attention
