#!/usr/bin/env bash
# Tests Mailbell's Linux packages as a user gets them: builds them (scripts/package.sh; with
# --reuse, takes the ones already in dist/), reads the .deb's control fields, unpacks it into a
# clean root (dpkg -x), checks its files, icons, desktop entry (desktop-file-validate; named
# after the app id, Mailbell.desktop) and AppStream metainfo (appstreamcli validate), reads the
# .rpm's header, requirements and files (rpm -qip, -qlp), lints it (rpmlint), unpacks it and
# checks that it carries the same files as the .deb, and runs the unpacked binaries:
# mailbell-cli --version (from both), and the app under Xvfb with a private session bus and
# keyring, a temporary HOME and data folder:
#   - first run: the window opens, its WM_CLASS is the desktop entry's name (= StartupWMClass),
#     no autostart entry is written, no tray host is found, so the
#     log says what to install, and closing the window minimises it (it stays on screen);
#   - a start in the tray (--hidden, with an account) without a tray host: the window opens all
#     the same once Mailbell has waited for a host;
#   - with an XEmbed tray (trayer): the icon is docked, the window stays hidden, a second launch
#     brings it up, and closing it hides it;
#   - with a StatusNotifierWatcher and host (Ayatana's indicator service): the window stays hidden;
#   - every run quits cleanly (exit 0) on SIGTERM.
# The AppImage gets the same first-run check (--appimage-extract-and-run) where one was built.
# Fails loudly; skips nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh
. scripts/lib/app.sh

checks=0
fail() {
  echo "package test FAILED: $*" >&2
  if [ -n "${app_log:-}" ] && [ -f "$app_log" ]; then
    echo "--- the app's output ($app_log), last lines:" >&2
    tail -25 "$app_log" >&2
  fi
  exit 1
}
ok() { checks=$((checks + 1)); echo "  ok: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# The checks that need a display: run as `package-test.sh --inside ROOT WMCLASS [APPIMAGE]` by
# the outer part, under Xvfb and a private session bus (HOME is a throw-away one).

# Only the main window: the tray icon's own window is named "mailbell" too, but its class differs.
visible_window() { xdotool search --onlyvisible --class '^Mailbell$' 2>/dev/null | head -1 || true; }

wait_for() { # SECONDS DESCRIPTION CMD...: until CMD succeeds
  local secs=$1 what=$2
  shift 2
  local end=$((SECONDS + secs))
  until "$@"; do
    [ $SECONDS -lt $end ] || fail "$what (waited ${secs}s)"
    kill -0 "$app_pid" 2>/dev/null || fail "the app exited while waiting: $what"
    sleep 0.3
  done
}

window_shown() { [ -n "$(visible_window)" ]; }
window_hidden() { [ -z "$(visible_window)" ]; }
log_has() { grep -q -- "$1" "$data/mailbell.log" 2>/dev/null; }

# start_app NAME ARGS...: starts the app (its output in $work/NAME.out); sets app_pid, app_log.
start_app() {
  local name=$1
  shift
  app_log="$work/$name.out"
  MAILBELL_DATA_DIR="$data" "$app" "$@" >"$app_log" 2>&1 &
  app_pid=$!
}

# stop_app: SIGTERM, then the app must exit 0 within 20 s, saying why it quit.
stop_app() {
  kill -TERM "$app_pid" 2>/dev/null || fail "the app was no longer running before SIGTERM"
  local rc=0 end=$((SECONDS + 20))
  while kill -0 "$app_pid" 2>/dev/null; do
    [ $SECONDS -lt $end ] || { kill -KILL "$app_pid"; fail "the app did not quit within 20 s of SIGTERM"; }
    sleep 0.2
  done
  wait "$app_pid" || rc=$?
  [ $rc = 0 ] || fail "the app exited $rc on SIGTERM (expected 0)"
  log_has "SIGTERM: quitting" || fail "the log does not say the app quit on SIGTERM"
}

# close_window ID: asks the window to close, as a window manager's close button does.
close_window() { /usr/bin/python3 tests-app/e2e/close-window.py "$1"; }

xembed_tray_owned() {
  /usr/bin/python3 -c 'from Xlib import display; d = display.Display(); raise SystemExit(0 if d.get_selection_owner(d.intern_atom("_NET_SYSTEM_TRAY_S0")) else 1)'
}

# Whether Mailbell's tray icon window sits inside another window (docked in the tray), not
# directly on the root window.
tray_icon_docked() {
  /usr/bin/python3 - <<'PY'
from Xlib import display
d = display.Display()
root = d.screen().root
def walk(w, depth):
    for c in w.query_tree().children:
        try:
            cls = c.get_wm_class() or ()
        except Exception:
            cls = ()
        if "tray-icon tray app mailbell" in cls and depth > 0:
            raise SystemExit(0)
        walk(c, depth + 1)
walk(root, 0)
raise SystemExit(1)
PY
}

sni_watcher_owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.kde.StatusNotifierWatcher 2>/dev/null | grep "boolean true" >/dev/null
}

# start_with_host NAME READY WORDS CMD...: starts a tray host (CMD) and waits until READY says it
# is up, then starts the app in the tray (--hidden): its log must name the host (WORDS) and the
# window must stay hidden.
start_with_host() {
  local name=$1 ready=$2 words=$3
  shift 3
  "$@" >"$work/$name-host.out" 2>&1 &
  host_pid=$!
  app_pid=$host_pid # what wait_for watches until the app runs
  wait_for 20 "the tray host ($1) to be up" "$ready"
  : >"$data/mailbell.log"
  start_app "$name" --hidden
  wait_for 30 "the log to report the tray host ($words)" log_has "tray icon shown host=$words"
  sleep 2
  window_hidden || fail "with a tray host ($words), a start in the tray showed the window"
}

stop_host() {
  kill "$host_pid" 2>/dev/null || true
  wait "$host_pid" 2>/dev/null || true
}

inside() {
  local root=$1 wmclass=$2 appimage=${3:-}
  app="$root/usr/bin/mailbell"
  local cli="$root/usr/bin/mailbell-cli"
  work=$(mktemp -d "${TMPDIR:-/tmp}/mailbell-package-run.XXXXXX")
  data="$work/data"
  shots="$CARGO_TARGET_DIR/package-test"
  mkdir -p "$shots"
  local win host_pid

  echo "== First run of the unpacked app: no account, no tray host" >&2
  start_app first-run
  wait_for 60 "the window to open on a first run" window_shown
  win=$(visible_window)
  ok "the window opens on a first run"
  local class
  class=$(xprop -id "$win" WM_CLASS)
  [ "$class" = "WM_CLASS(STRING) = \"$wmclass\", \"$wmclass\"" ] \
    || fail "the window's $class, the desktop entry's StartupWMClass and name '$wmclass'"
  ok "the window's WM_CLASS (name and class) is the desktop entry's name and StartupWMClass ($wmclass)"
  wait_for 30 "the log to say that no tray host was found and what to install" log_has "gnome-shell-extension-appindicator"
  grep -q "gnome-shell-extension-appindicator" "$app_log" || fail "the no-tray message was not printed (stderr)"
  [ "$(grep -c "no system tray on this desktop" "$data/mailbell.log")" = 1 ] || fail "the no-tray message is not said exactly once"
  ok "without a tray host the app says (once, in its log and on stderr) what to install"
  sleep 1
  import -window root "$shots/first-run.png" || fail "no screenshot (ImageMagick import)"
  close_window "$win" || fail "could not send the window a close request"
  sleep 2
  [ "$(visible_window)" = "$win" ] || fail "closing the window without a tray hid it (it must only minimise)"
  kill -0 "$app_pid" 2>/dev/null || fail "closing the window ended the app"
  ok "without a tray host closing the window minimises it (still on screen, still running)"
  if compgen -G "$HOME/.config/autostart/*" >/dev/null; then
    fail "a first run wrote an autostart entry: $(ls "$HOME/.config/autostart")"
  fi
  ok "a first run writes no autostart entry (start at login is opt-in)"
  stop_app
  ok "the app quits cleanly on SIGTERM"

  echo "== Start in the tray (--hidden) with an account, no tray host" >&2
  printf %s not-a-real-password | MAILBELL_DATA_DIR="$data" "$cli" account add \
    --email someone@example.org --host 127.0.0.1 --port 9 --password-stdin >/dev/null \
    || fail "mailbell-cli account add (unpacked) failed"
  ok "the unpacked mailbell-cli adds an account (password into the keyring)"
  : >"$data/mailbell.log"
  start_app hidden-no-host --hidden
  sleep 3
  window_hidden || fail "a start in the tray showed the window before waiting for a tray host"
  wait_for 30 "the window to open once no tray host turned up" window_shown
  log_has "no system tray on this desktop" || fail "no 'no system tray' message in the log"
  ok "a start in the tray without a tray host ends with the window open"
  stop_app

  echo "== With an XEmbed tray (trayer)" >&2
  start_with_host xembed xembed_tray_owned "XEmbed" \
    trayer --edge bottom --align right --widthtype request --height 28
  wait_for 10 "the tray icon to be docked in trayer" tray_icon_docked
  ok "with an XEmbed tray the icon is docked and a start in the tray keeps the window hidden"
  MAILBELL_DATA_DIR="$data" timeout 20 "$app" >"$work/second.out" 2>&1 || fail "a second launch did not exit 0 at once"
  wait_for 20 "a second launch to bring the window up" window_shown
  win=$(visible_window)
  close_window "$win" || fail "could not send the window a close request"
  wait_for 10 "closing the window to hide it (in the tray)" window_hidden
  kill -0 "$app_pid" 2>/dev/null || fail "closing the window ended the app"
  ok "with a tray, a second launch shows the window and closing it hides it"
  log_has "no system tray" && fail "the no-tray message appeared although trayer was there"
  stop_app
  stop_host

  echo "== With a StatusNotifierWatcher and host (ayatana-indicator-application-service)" >&2
  local service=/usr/libexec/ayatana-indicator-application/ayatana-indicator-application-service
  [ -x "$service" ] || fail "$service is missing (Debian package ayatana-indicator-application)"
  start_with_host sni sni_watcher_owned "StatusNotifierWatcher" "$service"
  ok "with a StatusNotifierWatcher and host a start in the tray keeps the window hidden"
  stop_app
  stop_host

  echo "== The README's uninstall step for the keyring" >&2
  secret-tool search --all service mailbell 2>&1 | grep "attribute.username" >/dev/null \
    || fail "the account's password is not in the keyring as service=mailbell"
  secret-tool clear service mailbell || fail "secret-tool clear service mailbell failed"
  [ -z "$(secret-tool search --all service mailbell 2>&1)" ] || fail "secret-tool clear service mailbell left items"
  ok "secret-tool clear service mailbell removes Mailbell's passwords"

  if [ -n "$appimage" ]; then
    echo "== The AppImage (--appimage-extract-and-run): first run" >&2
    app="$appimage"
    rm -rf "$data"
    start_app appimage --appimage-extract-and-run
    wait_for 60 "the AppImage's window to open" window_shown
    ok "the AppImage's window opens on a first run"
    stop_app
    ok "the AppImage quits cleanly on SIGTERM"
  fi
  rm -rf "$work"
  echo "$checks" >"$CHECKS_FILE"
}

if [ "${1:-}" = --inside ]; then
  shift
  inside "$@"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
reuse=0
[ "${1:-}" = --reuse ] && reuse=1

ensure_apt "${ENGINE_PACKAGES[@]}" "${APP_RUN_PACKAGES[@]}" "${APP_TEST_PACKAGES[@]}" "${PACKAGE_TEST_PACKAGES[@]}"
ensure_rust

version=$(cargo metadata --no-deps --format-version 1 --locked \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "mailbell-app"))')
arch=$(dpkg --print-architecture)
deb="dist/mailbell_${version}_${arch}.deb"
rpm="dist/mailbell-${version}-1.$(uname -m).rpm"
if [ $reuse = 1 ] && [ -f "$deb" ] && [ -f "$rpm" ]; then
  echo "== Reusing $deb" >&2
else
  bash scripts/package.sh || fail "scripts/package.sh failed"
fi
[ -f "$deb" ] || fail "$deb was not built"
[ -f "$rpm" ] || fail "$rpm was not built"
appimage=""
for f in dist/*.AppImage; do [ -f "$f" ] && appimage=$(realpath "$f"); done

echo "== $deb: control fields" >&2
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = mailbell ] || fail "Package is '$(field Package)', expected mailbell"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', the workspace's is $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is '$(field Architecture)'"
ok "Package mailbell, Version $version (the workspace's), Architecture $arch"
depends=$(field Depends)
for d in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1; do
  echo "$depends" | tr ',' '\n' | sed 's/^ *//' | grep -x "$d" >/dev/null || fail "Depends lacks $d: $depends"
done
[ "$(echo "$depends" | tr ',' '\n' | sed 's/^ *//' | sort | uniq -d)" = "" ] || fail "Depends names a package twice: $depends"
ok "Depends: $depends"
recommends=$(field Recommends)
echo "$recommends" | grep "gnome-keyring" >/dev/null || fail "Recommends lacks a Secret Service provider: '$recommends'"
ok "Recommends: $recommends"
field Description | grep "IMAP" >/dev/null || fail "the Description does not say what Mailbell is"
grep -q '"version"' src-tauri/tauri.conf.json && fail "tauri.conf.json names a version: the workspace Cargo.toml is the one place"
grep -q '"version"' package.json && fail "package.json names a version: the workspace Cargo.toml is the one place"
ok "the version is named only in the workspace Cargo.toml"

echo "== $deb: files" >&2
root=$(mktemp -d "${TMPDIR:-/tmp}/mailbell-package-root.XXXXXX")
trap 'rm -rf "$root" "$root".*' EXIT
dpkg-deb -c "$deb" >"$root.list" || fail "dpkg-deb -c failed"
dpkg -x "$deb" "$root" || fail "dpkg -x failed"
for f in usr/bin/mailbell usr/bin/mailbell-cli; do
  [ -x "$root/$f" ] || fail "/$f is missing or not executable"
done
ok "/usr/bin/mailbell and /usr/bin/mailbell-cli"
for size in 16 24 32 48 64 128 256 512; do
  icon="$root/usr/share/icons/hicolor/${size}x${size}/apps/mailbell.png"
  [ -f "$icon" ] || fail "no ${size}x${size} icon"
  dims=$(python3 -c 'import struct,sys; h=open(sys.argv[1],"rb").read(24); assert h[:8]==b"\x89PNG\r\n\x1a\n"; print("%dx%d" % struct.unpack(">II", h[16:24]))' "$icon") \
    || fail "the ${size}x${size} icon is not a PNG"
  [ "$dims" = "${size}x${size}" ] || fail "the ${size}x${size} icon is $dims"
done
if find "$root/usr/share/icons" -mindepth 2 -maxdepth 2 -name '*@*' | grep . >/dev/null; then
  fail "an icon directory for scaled icons (@2) slipped in: $(find "$root/usr/share/icons" -name '*@*')"
fi
ok "icons at 16, 24, 32, 48, 64, 128, 256 and 512 px"
desktops=("$root"/usr/share/applications/*.desktop)
[ ${#desktops[@]} = 1 ] && [ -f "${desktops[0]}" ] || fail "expected one desktop entry in /usr/share/applications"
desktop=${desktops[0]}
out=$(desktop-file-validate "$desktop" 2>&1) || fail "desktop-file-validate: $out"
[ -z "$out" ] || fail "desktop-file-validate has remarks: $out"
ok "desktop-file-validate passes /usr/share/applications/$(basename "$desktop")"
key() { sed -n "s/^$1=//p" "$desktop"; }
[ "$(key Name)" = Mailbell ] || fail "Name=$(key Name)"
[ -n "$(key Comment)" ] || fail "no Comment"
[ "$(key Categories)" = "Network;Email;" ] || fail "Categories=$(key Categories)"
[ "$(key Exec)" = mailbell ] || fail "Exec=$(key Exec)"
[ "$(key Icon)" = mailbell ] || fail "Icon=$(key Icon)"
[ "$(key Terminal)" = false ] || fail "Terminal=$(key Terminal)"
wmclass=$(key StartupWMClass)
[ -n "$wmclass" ] || fail "no StartupWMClass"
ok "the desktop entry: Name, Comment, Categories=Network;Email;, Exec, Icon, StartupWMClass=$wmclass"
# The app id: the desktop file's name, which desktops match the window's Wayland app id and
# WM_CLASS to (checked on the running app below) and notifications name (desktop-entry).
app_id=$(basename "$desktop" .desktop)
[ "$app_id" = Mailbell ] || fail "the desktop entry is $app_id.desktop, expected Mailbell.desktop (productName, the app id)"
[ "$wmclass" = "$app_id" ] || fail "StartupWMClass=$wmclass, but the desktop entry is $app_id.desktop"
ok "the desktop entry is named after the app id ($app_id.desktop) and StartupWMClass says the same"

# check_metainfo ROOT WHAT: the AppStream metainfo in an unpacked package validates, names the
# component org.mailbell.app, launches the package's desktop entry, and its newest release is
# the workspace's version.
check_metainfo() {
  local mi="$1/usr/share/metainfo/org.mailbell.app.metainfo.xml" out
  [ -f "$mi" ] || fail "the $2 has no /usr/share/metainfo/org.mailbell.app.metainfo.xml"
  out=$(appstreamcli validate --no-net --strict "$mi" 2>&1) || fail "appstreamcli validate --no-net --strict ($2): $out"
  out=$(python3 - "$mi" "$1/usr/share/applications" "$version" <<'PY'
import os, sys
import xml.etree.ElementTree as ET
mi, apps, version = sys.argv[1:]
c = ET.parse(mi).getroot()
problems = []
if c.get("type") != "desktop-application": problems.append("type is not desktop-application")
if c.findtext("id") != "org.mailbell.app": problems.append(f"id is {c.findtext('id')!r}")
launch = [l.text for l in c.findall("launchable") if l.get("type") == "desktop-id"]
if len(launch) != 1 or not os.path.isfile(os.path.join(apps, launch[0])): problems.append(f"launchable {launch} is not the package's desktop entry")
releases = [r.get("version") for r in c.iter("release")]
if not releases or releases[0] != version: problems.append(f"the newest release is {releases[:1]}, the workspace's version {version}")
if c.find("content_rating") is None: problems.append("no content_rating")
if not (c.findtext("description/p") or "").strip(): problems.append("no description")
print("; ".join(problems))
PY
  ) || fail "could not read the metainfo ($2)"
  [ -z "$out" ] || fail "the metainfo ($2): $out"
  ok "the $2's metainfo: appstreamcli validate --strict passes; org.mailbell.app launches $app_id.desktop; release $version"
}
check_metainfo "$root" .deb

echo "== $rpm: header, requirements, files" >&2
qf() { rpm -qp --queryformat "%{$1}" "$rpm" 2>/dev/null; }
info=$(rpm -qip "$rpm" 2>&1) || fail "rpm -qip: $info"
[ "$(qf NAME)" = mailbell ] || fail "Name is '$(qf NAME)', expected mailbell"
[ "$(qf VERSION)" = "$version" ] || fail "Version is '$(qf VERSION)', the workspace's is $version"
[ "$(qf RELEASE)" = 1 ] || fail "Release is '$(qf RELEASE)'"
[ "$(qf ARCH)" = "$(uname -m)" ] || fail "Architecture is '$(qf ARCH)'"
[ "$(qf LICENSE)" = "MIT OR Apache-2.0" ] || fail "License is '$(qf LICENSE)'"
qf SUMMARY | grep IMAP >/dev/null || fail "the Summary does not say what Mailbell is: $(qf SUMMARY)"
qf DESCRIPTION | grep "IMAP folders" >/dev/null || fail "the Description is not the long description"
echo "$info" | grep -E "^Name +: mailbell$" >/dev/null || fail "rpm -qip does not show Name: $info"
ok "rpm -qip: Name mailbell, Version $version, Release 1, Architecture $(uname -m), License, Summary, Description"
requires=$(rpm -qp --requires "$rpm" 2>&1) || fail "rpm -qp --requires: $requires"
# The bundler requires the libraries by soname, which every RPM distribution resolves.
for d in 'libwebkit2gtk-4.1.so.0()(64bit)' 'libgtk-3.so.0()(64bit)' 'libayatana-appindicator3.so.1()(64bit)'; do
  echo "$requires" | grep -xF "$d" >/dev/null || fail "Requires lacks $d: $requires"
done
recommends=$(rpm -qp --recommends "$rpm" 2>&1) || fail "rpm -qp --recommends: $recommends"
echo "$recommends" | grep -x "gnome-keyring" >/dev/null || fail "Recommends lacks a Secret Service provider: '$recommends'"
ok "Requires: $(echo "$requires" | grep -v '^rpmlib' | tr '\n' ' '); Recommends: $recommends"
rpm -qlp "$rpm" 2>/dev/null | sort >"$root.rpm-files" || fail "rpm -qlp failed"
(cd "$root" && find . -type f -o -type l) | sed 's/^\.//' | sort >"$root.deb-files"
[ -s "$root.rpm-files" ] || fail "rpm -qlp lists no files"
diff -u "$root.deb-files" "$root.rpm-files" >"$root.files-diff" || fail "the .rpm's files differ from the .deb's: $(cat "$root.files-diff")"
ok "rpm -qlp: the same $(wc -l <"$root.rpm-files") files as the .deb (binaries, desktop entry, icons, metainfo)"
# rpmlint's checks that cannot pass for a package built by Tauri's bundler off an RPM
# distribution are left out by name in scripts/rpmlint.toml, each with its reason.
lint=$(rpmlint --config scripts/rpmlint.toml "$rpm" 2>&1) || fail "rpmlint: $lint"
ok "rpmlint: $(echo "$lint" | tail -1)"
rroot="$root.rpm-root"
mkdir -p "$rroot"
# Debian's rpm2cpio exits 1 after writing the whole archive of the bundler's .rpm (seen: all 65 MB,
# every file intact, no message), so its status says nothing: cpio's does, and the comparisons
# below check every file that matters against the .deb's.
(cd "$rroot" && { rpm2cpio "$OLDPWD/$rpm" || true; } | cpio -idm --quiet) || fail "rpm2cpio | cpio could not unpack the .rpm"
for f in usr/bin/mailbell usr/bin/mailbell-cli; do
  cmp -s "$root/$f" "$rroot/$f" || fail "the .rpm's /$f differs from the .deb's"
done
[ -x "$rroot/usr/bin/mailbell" ] || fail "the .rpm's /usr/bin/mailbell is not executable"
out=$(desktop-file-validate "$rroot/usr/share/applications/$app_id.desktop" 2>&1) || fail "desktop-file-validate (.rpm): $out"
cmp -s "$desktop" "$rroot/usr/share/applications/$app_id.desktop" || fail "the .rpm's desktop entry differs from the .deb's"
check_metainfo "$rroot" .rpm
cli_version=$("$rroot/usr/bin/mailbell-cli" --version) || fail "the .rpm's mailbell-cli --version failed"
[ "$cli_version" = "mailbell-cli $version" ] || fail "the .rpm's mailbell-cli --version says '$cli_version'"
ok "the unpacked .rpm: the .deb's binaries and desktop entry; mailbell-cli --version: $cli_version"
rm -rf "$rroot" "$root.rpm-files" "$root.deb-files" "$root.files-diff"

echo "== The unpacked binaries" >&2
cli_version=$("$root/usr/bin/mailbell-cli" --version) || fail "mailbell-cli --version failed"
[ "$cli_version" = "mailbell-cli $version" ] || fail "mailbell-cli --version says '$cli_version'"
ok "mailbell-cli --version: $cli_version"
export CHECKS_FILE="$root.checks"
with_xvfb with_keyring bash "$0" --inside "$root" "$wmclass" "$appimage" || fail "the app checks under Xvfb failed"
checks=$((checks + $(cat "$CHECKS_FILE")))
rm -f "$root.list" "$CHECKS_FILE"
[ -n "$appimage" ] || echo "  (no AppImage in dist/: scripts/package.sh says why)" >&2
echo "== The package test passed: $checks checks (screenshot of the first run: $CARGO_TARGET_DIR/package-test/first-run.png)" >&2
