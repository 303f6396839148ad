//! Mailbell's one name on the desktop, [`APP_ID`]: the desktop file's name (`Mailbell.desktop`),
//! the window's Wayland app id and X11 WM_CLASS, and the notifications' `desktop-entry` hint.
//! Desktops find an app's entry (its name, icon and notification settings) by that name, so
//! they must agree.
//!
//! Why `Mailbell` and not the reverse-DNS identifier `org.mailbell.app`: Tauri's bundler names
//! the desktop file after `productName` in both the .deb and the .rpm, with no setting to change
//! it, and renaming it would mean repacking both packages after the bundler. The identifier is
//! the AppStream component id instead (packaging/org.mailbell.app.metainfo.xml), whose
//! `launchable` names `Mailbell.desktop`.
//!
//! GTK takes the Wayland app id and WM_CLASS's instance from the program name, which is the
//! binary's file name (`mailbell`) unless set before GTK starts; the class is the program name
//! with a capital first letter. [`claim`] sets the program name, which makes both `Mailbell`.
//! Tauri's `enableGTKAppId` would name a GApplication instead, but that also makes GTK own the
//! name on the session bus, which a second launch then activates behind the single-instance
//! plugin's back.
//!
//! Both are observed on the running app: the xdg_toplevel's app id under a real Wayland
//! compositor (sway, headless: tests-app/e2e/wayland.test.mjs reads it from sway's tree), and
//! WM_CLASS under Xvfb (tests-app/e2e/desktop.test.mjs, scripts/package-test.sh).

/// The app's name on the desktop: tauri.conf.json's `productName` (a test keeps them equal).
pub const APP_ID: &str = "Mailbell";

/// Sets the program name to [`APP_ID`]. Call first thing, before Tauri starts GTK, which reads
/// it once (and only sets it from the binary's name when nobody did).
#[cfg(target_os = "linux")]
pub fn claim() {
    glib::set_prgname(Some(APP_ID));
}

#[cfg(not(target_os = "linux"))]
pub fn claim() {}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf() -> serde_json::Value {
        serde_json::from_str(include_str!("../tauri.conf.json")).unwrap()
    }

    #[test]
    fn the_app_id_is_the_product_name_that_names_the_desktop_file() {
        assert_eq!(conf()["productName"], APP_ID);
    }

    #[test]
    fn both_packages_carry_the_desktop_entry_and_the_metainfo() {
        let conf = conf();
        let linux = &conf["bundle"]["linux"];
        let metainfo = format!("/usr/share/metainfo/{}.metainfo.xml", conf["identifier"].as_str().unwrap());
        for format in ["deb", "rpm"] {
            assert_eq!(linux[format]["desktopTemplate"], "packaging/mailbell.desktop.hbs", "{format}");
            let files = linux[format]["files"].as_object().unwrap();
            assert_eq!(files[&metainfo], "packaging/org.mailbell.app.metainfo.xml", "{format}");
            assert_eq!(files["/usr/bin/mailbell-cli"], "../dist/stage/mailbell-cli", "{format}");
        }
        let targets: Vec<&str> = conf["bundle"]["targets"].as_array().unwrap().iter().filter_map(|t| t.as_str()).collect();
        assert_eq!(targets, ["deb", "rpm"]);
    }

    #[test]
    fn the_metainfo_names_the_component_and_its_desktop_entry() {
        let xml = include_str!("../packaging/org.mailbell.app.metainfo.xml");
        let id = conf()["identifier"].as_str().unwrap().to_string();
        assert!(xml.contains(&format!("<id>{id}</id>")), "the component id is the identifier");
        assert!(xml.contains(&format!("<launchable type=\"desktop-id\">{APP_ID}.desktop</launchable>")));
    }
}
