#!/usr/bin/env bash
# Builds Mailbell's Linux packages into dist/ (`npm run package` runs this):
#   dist/mailbell_VERSION_ARCH.deb   the app (/usr/bin/mailbell), mailbell-cli (/usr/bin/mailbell-cli),
#                                    the desktop entry, the icons (16 to 512 px) and the AppStream
#                                    metainfo (/usr/share/metainfo/org.mailbell.app.metainfo.xml)
#   dist/mailbell-VERSION-1.ARCH.rpm the same files as an RPM (Tauri's bundler writes it itself:
#                                    no rpmbuild needed)
#   dist/Mailbell_VERSION_ARCH.AppImage   only with MAILBELL_APPIMAGE=1, where GitHub is reachable
#
# The version is the workspace's (Cargo.toml [workspace.package]); nothing else names it.
# Release builds share $CARGO_TARGET_DIR with scripts/run.sh: after one of them, the other only
# bundles. scripts/package-test.sh checks the result as a user would get it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh
. scripts/lib/app.sh

ensure_apt "${ENGINE_PACKAGES[@]}" "${APP_BUILD_PACKAGES[@]}"
ensure_rust
ensure_node
ensure_npm_deps

version=$(cargo metadata --no-deps --format-version 1 --locked \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "mailbell-app"))')
arch=$(dpkg --print-architecture)
bundle_dir="$CARGO_TARGET_DIR/release/bundle"
mkdir -p dist/stage
rm -f dist/mailbell_*.deb dist/mailbell-*.rpm dist/*.AppImage

echo "== Mailbell $version: release builds of the UI, mailbell-cli and the app" >&2
build_ui
cargo build --release --locked -p mailbell-cli
build_app --release
# tauri.conf.json's bundle.linux.deb.files takes mailbell-cli from here (a path that does not
# depend on CARGO_TARGET_DIR).
cp "$CARGO_TARGET_DIR/release/mailbell-cli" dist/stage/mailbell-cli

# `tauri bundle` packages the binary just built (it does not build again). No binary patching:
# Mailbell has no updater, and the binary stays the one scripts/run.sh runs.
tauri_bundle() {
  npx --no-install tauri bundle --ci --no-sign --no-binary-patching --features custom-protocol --bundles "$1" >&2
}

# bundle FORMAT DEST: `tauri bundle` of one format, copied to DEST.
bundle() {
  local format=$1 dest=$2 built
  echo "== The .$format" >&2
  rm -rf "${bundle_dir:?}/$format"
  tauri_bundle "$format" || die "the .$format was not built (tauri bundle --bundles $format)"
  built=("$bundle_dir/$format"/*."$format")
  [ -f "${built[0]}" ] || die "tauri bundle made no .$format in $bundle_dir/$format"
  cp "${built[0]}" "$dest"
}
deb="dist/mailbell_${version}_${arch}.deb"
bundle deb "$deb"
# The usual name of an RPM, NAME-VERSION-RELEASE.ARCH.rpm (the bundler's is Mailbell_VERSION-1.ARCH.rpm).
rpm="dist/mailbell-${version}-1.$(uname -m).rpm"
bundle rpm "$rpm"

appimage=""
if [ "${MAILBELL_APPIMAGE:-0}" = 1 ]; then
  echo "== The AppImage (MAILBELL_APPIMAGE=1: Tauri downloads linuxdeploy and the AppImage runtime from GitHub)" >&2
  rm -rf "$bundle_dir/appimage"
  tauri_bundle appimage || die "the AppImage was not built: Tauri's AppImage bundler needs GitHub (linuxdeploy, its GTK plugin, the AppImage runtime)"
  built=("$bundle_dir"/appimage/*.AppImage)
  [ -f "${built[0]}" ] || die "tauri bundle made no AppImage in $bundle_dir/appimage"
  appimage="dist/$(basename "${built[0]}")"
  cp "${built[0]}" "$appimage"
else
  cat >&2 <<'MSG'
== No AppImage. Tauri's AppImage bundler downloads linuxdeploy, its GTK plugin and the AppImage
   runtime from GitHub while it builds, and this machine reaches only the package registries
   (crates.io, PyPI, npm, Debian), none of which ships the AppImage runtime or appimagetool.
   Where GitHub is reachable: MAILBELL_APPIMAGE=1 npm run package
MSG
fi

echo "Packages of Mailbell $version:" >&2
ls -l "$deb" "$rpm" ${appimage:+"$appimage"} >&2
echo "Install: sudo apt install ./$deb (Debian, Ubuntu) or sudo dnf install ./$rpm (Fedora, openSUSE: zypper)" >&2
