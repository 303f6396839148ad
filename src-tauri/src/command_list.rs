// Every command the window may invoke, as `module::function`: the one list of what the window
// process forwards to the tray process (window_process.rs), which runs it (dispatch.rs: a test
// there checks each is dispatched), and from which build.rs makes the app's permissions (one
// `allow-<command>` each, which capabilities/default.json grants). A test (command_check.rs)
// checks that the capability and the UI's calls (ui/src) agree with it.
//
// Plain `//` comments only: build.rs includes this file with `include!`.
macro_rules! with_app_commands {
    ($then:ident) => {
        $then! {
            commands::snapshot,
            commands::list_messages,
            commands::list_news,
            commands::mark_viewed,
            commands::sync_now,
            commands::set_interval,
            commands::set_watched,
            commands::set_settings,
            commands::set_rules,
            commands::set_folder_notify,
            commands::set_account_notify,
            commands::show_message,
            commands::act_on_message,
            commands::undo_action,
            open_in::open_in_options,
            open_in::set_open_in,
            open_in::open_message,
            setup::discover_servers,
            setup::test_connection,
            setup::add_account,
            setup::set_password,
            setup::remove_account,
            setup::trust_certificate,
            setup::set_ca_file,
            signin::oauth_offer,
            signin::oauth_sign_in,
            signin::oauth_cancel,
            signin::test_connection_signed_in,
            signin::add_oauth_account,
            signin::sign_in_again,
            signin::oauth_open,
            signin::open_link,
            i18n::locale,
            window::window_ready,
            window::close_to_tray,
            window::quit_app,
        }
    };
}

// The command names of the list, as Tauri knows them.
macro_rules! command_names {
    ($($module:ident :: $name:ident),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
}
